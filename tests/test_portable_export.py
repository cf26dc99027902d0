"""ONNX and LiteRT exports: two graphs + model.json, decoded by playground.portable (numpy
and onnxruntime / LiteRT) in a process that never imports TensorFlow, Keras or the models,
with the app's own outputs (issue #11)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from conftest import train_tiny

pytest.importorskip("onnxruntime")
pytest.importorskip("tf2onnx")

MODES = ["basic", "feedback", "peek", "attention", "transformer"]


@pytest.fixture(scope="module")
def corpus():
    """digits:reverse with a 100-item test split."""
    from playground.data.source import DataOptions, load_source

    return load_source("digits:reverse", DataOptions(task_size=1000, seed=0))


# Attention and the Transformer are wide enough that the LiteRT converter quantises their
# weights (it leaves tensors under 1,024 values), so the ONNX and LiteRT tests share them.
SIZES = {"attention": {"units": 64},
         "transformer": dict(d_model=64, heads=2, ff_dim=128, encoder_layers=1, decoder_layers=1)}


@pytest.fixture(scope="module")
def trained(corpus):
    """mode → a model trained 6 epochs on ``corpus`` (each trained once, when first asked for)."""
    models = {}

    def get(mode):
        if mode not in models:
            result = train_tiny(corpus, mode, epochs=6, **SIZES.get(mode, {"units": 32}))
            assert result.status == "done", result.message
            models[mode] = result.model
        return models[mode]

    return get


def run_portable(code: str, tmp_path) -> object:
    """Runs ``code`` in a fresh interpreter, checks that it loaded no TensorFlow, Keras, JAX or
    playground.models/inference → the JSON it printed last."""
    check = textwrap.dedent("""
        import sys as _sys
        _loaded = [m for m in _sys.modules if m.split(".")[0] in ("tensorflow", "keras", "jax", "torch")
                   or m.startswith(("playground.models", "playground.inference", "playground.backend"))]
        assert not _loaded, f"loaded {_loaded[:5]}"
    """)
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code) + check], capture_output=True, text=True,
                            timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_onnx_decodes_every_mode_like_the_predictor(corpus, trained, tmp_path):
    from playground.inference.predictor import Predictor
    from playground.savedmodel import export_model

    texts = ["".join(source) for source, _ in corpus.raw_test][:100]
    assert len(texts) == 100
    texts.append(". ".join(["1234567", "7654321", "5555", "98765", "12"]) + ".")  # over the limit: by sentence
    expected = {}
    for mode in MODES:
        model = trained(mode)
        folder = export_model(model, tmp_path / mode, "onnx")
        assert sorted(p.name for p in folder.iterdir()) == ["README.txt", "decoder_step.onnx", "encoder.onnx",
                                                           "model.json", "playground-export.json"]
        predictor = Predictor(model)
        greedy = [t.text for t in predictor.translate(texts)]
        beams = [t.n_best for t in predictor.translate(texts[:20], beam_width=4, n_best=3)]
        expected[mode] = (greedy, beams)
        assert predictor.translate(texts[-1:])[0].pieces == 5, mode
        assert len(set(greedy)) > 10, f"{mode}: outputs barely depend on the input; the comparison would be weak"
    got = run_portable(f"""
        import json
        from playground.portable import ExportedModel
        texts = {texts!r}
        out = {{}}
        for mode in {MODES!r}:
            model = ExportedModel({str(tmp_path)!r} + "/" + mode)
            greedy = [t.text for t in model.translate(texts)]
            beams = [t.n_best for t in model.translate(texts[:20], beam_width=4, n_best=3)]
            out[mode] = (greedy, beams)
        print(json.dumps(out))
    """, tmp_path)
    for mode in MODES:
        greedy, beams = expected[mode]
        assert got[mode][0] == greedy, mode
        for mine, theirs in zip(got[mode][1], beams):
            assert [text for text, _ in mine] == [text for text, _ in theirs], mode
            np.testing.assert_allclose([s for _, s in mine], [s for _, s in theirs], atol=1e-4, err_msg=mode)


@pytest.mark.parametrize("mode", ["attention", "transformer"])
def test_tflite_float_and_quantised_decode_like_the_predictor(corpus, trained, tmp_path, mode):
    from playground.inference.predictor import Predictor
    from playground.savedmodel import export_model

    pytest.importorskip("ai_edge_litert")
    model = trained(mode)
    texts = ["".join(source) for source, _ in corpus.raw_test][:100]
    expected = [t.text for t in Predictor(model).translate(texts)]
    for quantize in (None, "dynamic", "float16"):
        export_model(model, tmp_path / str(quantize), "tflite", quantize=quantize)
    got = run_portable(f"""
        import json, os
        from playground.portable import ExportedModel
        out = {{}}
        for name in ("None", "dynamic", "float16"):
            folder = {str(tmp_path)!r} + "/" + name
            model = ExportedModel(folder)
            out[name] = {{"texts": [t.text for t in model.translate({texts!r})],
                         "bytes": sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder)
                                      if f.endswith(".tflite"))}}
        print(json.dumps(out))
    """, tmp_path)
    assert got["None"]["texts"] == expected
    assert got["dynamic"]["bytes"] < got["None"]["bytes"] and got["float16"]["bytes"] < got["None"]["bytes"]
    for name in ("dynamic", "float16"):  # quantised weights: nearly the same outputs
        same = np.mean([a == b for a, b in zip(got[name]["texts"], expected)])
        assert same >= 0.9, (name, same)


@pytest.mark.parametrize("export_format", ["onnx", "tflite"])
def test_music_language_model_exports_and_samples_a_midi_file(music_model, tmp_path, export_format):
    from playground.inference.predictor import Predictor
    from playground.music.midi_io import read_midi
    from playground.savedmodel import export_model

    if export_format == "tflite":
        pytest.importorskip("ai_edge_litert")
    export_model(music_model, tmp_path / "music", export_format)
    (tmp_path / "notes.txt").write_text("my notes\n", encoding="utf-8")
    predictor = Predictor(music_model)
    seed = [music_model.meta["target_vocab"]["tokens"][5]]
    greedy_like, _ = predictor.generate_tokens(seed, length=24, top_k=1, seed=0)  # top-k 1: no randomness
    got = run_portable(f"""
        import json
        from playground.portable import ExportedModel
        model = ExportedModel({str(tmp_path / "music")!r})
        tokens, _ = model.generate_tokens({seed!r}, length=24, top_k=1, seed=0)
        sampled, _ = model.generate_tokens({seed!r}, length=40, temperature=1.0, top_k=8, seed=3)
        again, _ = model.generate_tokens({seed!r}, length=40, temperature=1.0, top_k=8, seed=3)
        path = model.generate_midi({str(tmp_path / "tune.mid")!r}, seed_tokens={seed!r}, length=48, top_k=8, top_p=0.9,
                                   seed=1)
        try:  # a file of another kind is never replaced without force
            model.generate_midi({str(tmp_path / "notes.txt")!r}, length=8)
            refused = ""
        except ValueError as exc:
            refused = str(exc)
        print(json.dumps({{"tokens": tokens, "sampled": sampled, "again": again, "path": str(path),
                          "refused": refused}}))
    """, tmp_path)
    assert "refused to replace it" in got["refused"]
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "my notes\n"
    assert got["tokens"] == greedy_like
    assert got["sampled"] == got["again"] and len(got["sampled"]) > 1
    tune = read_midi(got["path"])
    assert len(tune.notes) > 0


def test_text_language_model_generates_from_a_seed_like_the_app(tmp_path):
    from playground.config import ModelConfig, TrainConfig
    from playground.inference.predictor import Predictor
    from playground.savedmodel import export_model
    from playground.sources import load_any_source
    from playground.training.trainer import Trainer

    corpus = load_any_source("text:sample")
    result = Trainer(corpus, ModelConfig(mode="lm", cell="gru", units=32, embedding_dim=8),
                     TrainConfig(epochs=1, batch_size=32, learning_rate=1e-2, seed=0, device="cpu",
                                 max_batches_per_epoch=20, sample_items=0)).run()
    assert result.status == "done", result.message
    export_model(result.model, tmp_path / "text", "onnx")
    expected, _ = Predictor(result.model).generate("The ", length=40, top_k=1)
    got = run_portable(f"""
        import json
        from playground.portable import ExportedModel
        print(json.dumps(ExportedModel({str(tmp_path / "text")!r}).generate("The ", length=40, top_k=1)))
    """, tmp_path)
    assert got == expected and got.startswith("The ") and len(got) > len("The ")


@pytest.mark.backends  # under JAX the export runs in a TensorFlow child process
def test_a_damaged_export_folder_is_named_in_the_error(tiny_model, tmp_path):
    from playground.portable import ExportedModel, ExportFolderError
    from playground.savedmodel import ExportError, export_model

    folder = export_model(tiny_model, tmp_path / "onnx", "onnx")
    manifest = json.loads((folder / "model.json").read_text())
    del manifest["states"]
    (folder / "model.json").write_text(json.dumps(manifest))
    with pytest.raises(ExportFolderError, match=r"model\.json: field 'states'"):
        ExportedModel(folder)
    (folder / "model.json").write_text("{not json")
    with pytest.raises(ExportFolderError, match="model.json: unreadable"):
        ExportedModel(folder)
    with pytest.raises(ExportFolderError, match="no model.json"):
        ExportedModel(tmp_path)
    with pytest.raises(ExportError, match="tflite format only"):
        export_model(tiny_model, tmp_path / "x", "onnx", quantize="dynamic")
