"""One-file models: identical outputs after reload, safe loading, atomic saves."""

import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from conftest import rewrite_archive_config

from playground.modelfile import ModelFileError, load_model, read_meta, save_model

pytestmark = pytest.mark.backends

SOURCE = np.array([[5, 6, 7, 8], [9, 5, 4, 0]], np.int32)
TARGET_IN = np.array([[1, 8, 7, 6], [1, 4, 5, 9]], np.int32)


def test_file_holds_everything(tiny_model_file):
    meta = read_meta(tiny_model_file)
    for key in ("model_config", "source_vocab", "target_vocab", "data_options", "data", "history", "metrics",
                "test_examples", "train_config", "source"):
        assert key in meta, key
    assert meta["source"] == "digits:reverse"
    assert meta["data"]["split_seed"] == 0
    assert len(meta["history"]["epochs"]) == 2 and meta["history"]["batch_loss"]
    assert len(meta["test_examples"]) > 10


OTHER_BACKEND = {"tensorflow": "jax", "jax": "tensorflow", "torch": "tensorflow"}


@pytest.mark.parametrize("where", ["same backend", "other backend"])
def test_reload_in_fresh_process_gives_identical_logits_and_outputs(where, tiny_model, tiny_model_file, tmp_path):
    """A model file is backend-portable: trained under TensorFlow, it loads under JAX (and
    the reverse, when this suite runs under JAX) with the same logits and greedy outputs."""
    import importlib.util
    import json
    import os

    import keras
    from keras import ops

    from playground.inference.predictor import Predictor

    backend = keras.backend.backend()
    target = backend if where == "same backend" else OTHER_BACKEND[backend]
    if importlib.util.find_spec(target) is None:
        pytest.skip(f"the {target} backend is not installed")
    texts = ["12345", "907", "1", "8642097531"]
    expected = ops.convert_to_numpy(tiny_model((SOURCE, TARGET_IN)))
    greedy = [t.text for t in Predictor(tiny_model).translate(texts)]
    np.save(tmp_path / "in.npy", np.stack([SOURCE, TARGET_IN]))
    code = textwrap.dedent(f"""
        import json
        import keras
        import numpy as np
        from keras import ops
        from playground.inference.predictor import Predictor
        from playground.modelfile import load_model
        model = load_model({str(tiny_model_file)!r})
        inputs = np.load({str(tmp_path / 'in.npy')!r})
        np.save({str(tmp_path / 'out.npy')!r}, ops.convert_to_numpy(model((inputs[0], inputs[1]))))
        texts = {texts!r}
        print(json.dumps({{"backend": keras.backend.backend(),
                          "greedy": [t.text for t in Predictor(model).translate(texts)]}}))
    """)
    env = dict(os.environ, KERAS_BACKEND=target)
    out = subprocess.run([sys.executable, "-c", code], timeout=300, capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    reply = json.loads(out.stdout.strip().splitlines()[-1])
    assert reply["backend"] == target
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), expected, rtol=1e-5, atol=1e-5)
    assert reply["greedy"] == greedy


def test_reloaded_model_translates_the_same(tiny_model, tiny_model_file):
    from playground.inference.predictor import Predictor

    texts = ["12345", "907", "1"]
    before = [t.text for t in Predictor(tiny_model).translate(texts)]
    after = [t.text for t in Predictor(load_model(tiny_model_file, compile=False)).translate(texts)]
    assert before == after


def test_corrupt_and_truncated_files(tiny_model_file, tmp_path):
    garbage = tmp_path / "garbage.keras"
    garbage.write_bytes(b"\x00not a model at all" * 50)
    with pytest.raises(ModelFileError, match="garbage.keras: not a Seq2Seq Playground model file"):
        load_model(garbage)
    data = tiny_model_file.read_bytes()
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="truncated.keras"):
        load_model(truncated)
    with pytest.raises(ModelFileError, match="no such file"):
        load_model(tmp_path / "missing.keras")
    with pytest.raises(ModelFileError, match="is a folder"):
        load_model(tmp_path)


def test_other_keras_model_is_refused(tmp_path):
    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    path = tmp_path / "other.keras"
    other.save(path)
    with pytest.raises(ModelFileError, match="another kind"):
        load_model(path)


def test_lambda_layer_is_refused_and_not_executed(tiny_model_file, tmp_path):
    marker = tmp_path / "executed"
    path = tmp_path / "lambda.keras"

    def add_lambda(config):
        config["config"]["meta"]["injected"] = {
            "module": "keras.layers", "class_name": "Lambda", "registered_name": None,
            "config": {"function": {"class_name": "__lambda__", "config": {
                "code": f"open({str(marker)!r}, 'w').write('x')"}}}}

    rewrite_archive_config(tiny_model_file, path, add_lambda)
    with pytest.raises(ModelFileError, match="Lambda layer"):
        load_model(path)
    assert not marker.exists()


def test_unknown_class_is_refused(tiny_model_file, tmp_path):
    path = tmp_path / "unknown.keras"

    def add_unknown(config):
        config["config"]["meta"]["injected"] = {"module": "os", "class_name": "system", "config": {}}

    rewrite_archive_config(tiny_model_file, path, add_unknown)
    with pytest.raises(ModelFileError, match="unknown class 'system'"):
        load_model(path)


def test_keras_safe_mode_blocks_lambda_even_past_our_check(tmp_path):
    """Defence in depth: a Lambda model saved by Keras does not load in safe mode."""
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs))
    path = tmp_path / "plain_lambda.keras"
    model.save(path)
    with pytest.raises(Exception, match="(?i)lambda|safe"):
        keras.saving.load_model(path, safe_mode=True)
    with pytest.raises(ModelFileError):
        load_model(path)


def test_failed_save_leaves_previous_file_intact(tiny_model, tmp_path, monkeypatch):
    path = tmp_path / "model.keras"
    save_model(tiny_model, path)
    before = path.read_bytes()

    def broken_save(self, filepath, *args, **kwargs):
        with open(filepath, "wb") as handle:
            handle.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(type(tiny_model), "save", broken_save)
    with pytest.raises(ModelFileError, match="disk full"):
        save_model(tiny_model, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]  # no temp file left


def test_future_format_version_is_refused(tiny_model_file, tmp_path):
    path = tmp_path / "future.keras"
    rewrite_archive_config(tiny_model_file, path, lambda c: c["config"]["meta"].update(format_version=99))
    with pytest.raises(ModelFileError, match="newer version"):
        load_model(path)
