"""SavedModel export: a 'translate' signature mapping strings to strings, no playground needed.

Backend-neutral: under JAX the export runs in a TensorFlow child process."""

import subprocess
import sys
import textwrap

import pytest

from playground.inference.predictor import Predictor
from playground.savedmodel import ExportError, export_savedmodel

pytestmark = pytest.mark.backends


def test_savedmodel_translates_strings_like_the_predictor(tiny_model, tmp_path):
    path = export_savedmodel(tiny_model, tmp_path / "exported")
    texts = ["12345", "907", "", "1x2"]
    expected = [t.text.replace("<unk>", "<unk>") for t in Predictor(tiny_model).translate(texts)]
    code = textwrap.dedent(f"""
        import json, sys
        import tensorflow as tf
        loaded = tf.saved_model.load({str(path)!r})
        out = loaded.translate(tf.constant({texts!r}))["translation"].numpy()
        assert not any(name.startswith("playground") for name in sys.modules), "playground was imported"
        serving = loaded.signatures["translate"](text=tf.constant(["12"]))["translation"].numpy()
        print(json.dumps([o.decode() for o in out] + [serving[0].decode()]))
    """)
    # Run outside the checkout so the package cannot be imported by accident.
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                            cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "2",
                                               "PYTHONNOUSERSITE": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    import json

    outputs = json.loads(result.stdout.strip().splitlines()[-1])
    assert outputs[:4] == expected
    assert outputs[4] == Predictor(tiny_model).translate(["12"])[0].text


@pytest.mark.tensorflow_only  # the folder swap is the same whichever backend; JAX's child export is tested above
def test_export_replaces_existing_directory(tiny_model, tmp_path):
    path = tmp_path / "exported"
    export_savedmodel(tiny_model, path)
    export_savedmodel(tiny_model, path)
    assert (path / "saved_model.pb").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exported"]


def test_language_model_has_no_translate_signature():
    from playground.config import ModelConfig
    from playground.models.seq2seq import Seq2SeqModel

    model = Seq2SeqModel(ModelConfig(mode="lm", units=4, embedding_dim=2, target_vocab_size=6).to_dict(),
                         {"target_vocab": {"level": "char", "tokens": ["<pad>", "<s>", "</s>", "<unk>", "a", "b"]}})
    with pytest.raises(ExportError, match="language model"):
        export_savedmodel(model, "/tmp/never")
