"""Portable exports (ONNX, LiteRT/TFLite): a trained model as two graphs, the encoder and one
decoder step, plus ``model.json`` (vocabularies, text options, decoding settings).

The graphs are traced from the model's own ``encode`` / ``decode_step`` under TensorFlow and
converted by the well-kept converters (tf2onnx, the TFLite converter); the search loops
stay outside the graphs, in :mod:`playground.portable` (numpy), so a runtime needs no loop
support and any search (greedy, beam, sampling) runs over the same two graphs.
"""

QUANTIZATIONS = ("dynamic", "float16")
