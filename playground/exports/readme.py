"""The README written into an ONNX or LiteRT export folder."""

from __future__ import annotations


def readme_text(manifest: dict) -> str:
    fmt = manifest["format"]
    runtime = "onnxruntime" if fmt == "onnx" else "ai-edge-litert"
    graphs = manifest["graphs"]
    if manifest["task"] == "translate":
        use = ('print(model.translate(["your sentence"])[0].text)\n'
               'print(model.translate(["your sentence"], beam_width=4, n_best=3)[0].n_best)')
    elif manifest.get("music"):
        use = 'model.generate_midi("tune.mid", length=64, temperature=1.0, top_k=8, seed=0)'
    else:
        use = 'print(model.generate("The ", length=100, temperature=0.8, top_k=10, seed=0))'
    cache = ("; a Transformer's encoder also takes decode_length, the most output tokens, which sizes "
             "its key/value cache" if manifest.get("transformer") else "")
    if manifest.get("encoder_batch") == 1:
        cache += "; this encoder takes one sequence at a time (batch 1), the step graph any batch"
    quantized = f", quantised {manifest['quantize']}" if manifest.get("quantize") else ""
    opset = f", opset {manifest['opset']}" if manifest.get("opset") else ""
    return f"""Seq2Seq Playground export: {fmt}{opset}{quantized}. Mode {manifest['mode']}, task {manifest['task']}.

Files
  {graphs['encoder']:<22} the encoder: {', '.join(manifest['encoder_inputs'])} -> {', '.join(manifest['encoder_outputs'])}
  {graphs['decoder_step']:<22} one decoder step: {', '.join(manifest['step_inputs'])} -> {', '.join(manifest['step_outputs'])}
  model.json             vocabularies, text options, length limits, decoding settings, these names

Run it with numpy and {runtime} (no TensorFlow, no Keras), from a machine where Seq2Seq
Playground is installed (pip install -e ".[export]"):

    from playground.portable import ExportedModel
    model = ExportedModel("{'.'}")
    {use.replace(chr(10), chr(10) + '    ')}

From another language: run the encoder once on the source ids [batch, length] (int32,
0 = padding; ids from model.json's source_vocab.tokens, 3 for an unknown token{cache}), then
the step graph once per output token with the encoder's memory, memory_mask and context,
the previous token (1, <s>, at first) and the states ({', '.join(manifest['states'])}:
the encoder's at first, then the step's next_state_* outputs); stop at token 2 (</s>).
"""
