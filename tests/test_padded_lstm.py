"""The model's LSTMs: how they run per backend and device, and the fused (cuDNN) masked run
equal to Keras's masked loop.

On a CPU the fused path is off; these tests drive it through JAX's pure reference of the
same kernel (same weight layout, same per-row lengths), so the packing, the lengths and the
states picked at each row's end are checked here; the GPU test checks cuDNN itself.
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import pytest

from playground.backend import rnn
from playground.config import ModelConfig
from playground.models import layers
from playground.models.seq2seq import Seq2SeqModel

pytestmark = pytest.mark.backends

jax_only = pytest.mark.skipif(keras.backend.backend() != "jax", reason="the fused LSTM is a JAX path")


def _padded_batch(seed=0, batch=5, steps=7, features=3):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, steps, features)).astype("float32")
    lengths = np.array([7, 1, 4, 6, 2])[:batch]
    mask = np.arange(steps)[None, :] < lengths[:, None]
    x[~mask] = 0.0
    return x, mask


def _lstm(units=4, seed=1):
    keras.utils.set_random_seed(seed)
    layer = layers.PaddedLSTM(units, return_sequences=True, return_state=True)
    layer.build((None, None, 3))
    # Non-zero biases so that a gate-order mix-up shows.
    layer.cell.bias.assign(np.random.default_rng(seed).normal(size=(4 * units,)).astype("float32"))
    return layer


def _keras_scan(layer, x, mask, h0, c0):
    """Keras's own masked LSTM loop (what the fused path replaces)."""
    return keras.layers.RNN.inner_loop(layer, keras.ops.convert_to_tensor(x), [h0, c0], keras.ops.convert_to_tensor(mask))


def test_taken_only_under_jax_on_a_gpu_when_chosen(monkeypatch):
    layer = _lstm()
    x, mask = _padded_batch()
    zeros = np.zeros((5, 4), "float32")
    args = (x, mask, zeros, zeros, layer.cell.kernel, layer.cell.recurrent_kernel, layer.cell.bias)
    if keras.backend.backend() != "jax":
        assert rnn.masked_lstm(*args) is None
        assert rnn.lstm_route(masked=True) == "keras"
    else:
        import jax

        assert rnn.masked_lstm(*args) is None  # the default everywhere: Keras's loop
        monkeypatch.setattr(rnn, "kernels", "cudnn")
        taken = rnn.masked_lstm(*args)
        assert (taken is not None) == _on_gpu() == rnn.fused_lstm_available()
        # Work placed on the CPU (`--device cpu` on a GPU machine) keeps Keras's loop.
        with keras.device(jax.devices("cpu")[0]):
            assert rnn.masked_lstm(*args) is None
    # Switched off, nothing is fused whatever the machine.
    rnn.enabled = False
    try:
        assert rnn.masked_lstm(*args, implementation=rnn.reference_lstm) is None
    finally:
        rnn.enabled = True


@jax_only
@pytest.mark.parametrize("implementation", [rnn.reference_lstm, None], ids=["reference", "cudnn"])
def test_fused_masked_lstm_equals_the_keras_scan_with_gradients(implementation, monkeypatch):
    import jax
    import jax.numpy as jnp

    if implementation is None and jax.default_backend() != "gpu":
        pytest.skip("cuDNN needs a GPU")
    monkeypatch.setattr(rnn, "kernels", "cudnn")
    layer = _lstm()
    x, mask = _padded_batch()
    rng = np.random.default_rng(2)
    h0, c0 = (rng.normal(size=(5, 4)).astype("float32") for _ in range(2))
    kernel, recurrent, bias = (np.asarray(v) for v in (layer.cell.kernel, layer.cell.recurrent_kernel, layer.cell.bias))
    # On a GPU, cuDNN and the matmuls of both loops may use TF32 (JAX's default precision).
    tolerance = 1e-2 if _on_gpu() else 1e-5

    fused_outputs, fused_h, fused_c = rnn.masked_lstm(x, mask, h0, c0, kernel, recurrent, bias,
                                                      implementation=implementation)
    last, outputs, (h, c) = _keras_scan(layer, x, mask, h0, c0)
    np.testing.assert_allclose(fused_h, h, atol=tolerance)
    np.testing.assert_allclose(fused_c, c, atol=tolerance)
    np.testing.assert_allclose(np.asarray(fused_outputs)[mask], np.asarray(outputs)[mask], atol=tolerance)
    assert not np.asarray(fused_outputs)[~mask].any()
    # Row 1 has one real step: its state is that step's, not the padded run's end.
    assert not np.allclose(fused_h[1], fused_h[0])

    def loss_fused(k, r, b):
        out, hh, cc = rnn.masked_lstm(x, mask, h0, c0, k, r, b, implementation=implementation)
        return jnp.sum(jnp.where(mask[..., None], out, 0) ** 2) + jnp.sum(hh * cc)

    def loss_scan(k, r, b):
        with keras.StatelessScope(state_mapping=[(layer.cell.kernel, k), (layer.cell.recurrent_kernel, r),
                                                 (layer.cell.bias, b)]):
            _, out, (hh, cc) = _keras_scan(layer, x, mask, h0, c0)
        return jnp.sum(jnp.where(mask[..., None], out, 0) ** 2) + jnp.sum(hh * cc)

    fused_grads = jax.grad(loss_fused, argnums=(0, 1, 2))(kernel, recurrent, bias)
    scan_grads = jax.grad(loss_scan, argnums=(0, 1, 2))(kernel, recurrent, bias)
    for fused, scanned in zip(fused_grads, scan_grads):
        np.testing.assert_allclose(fused, scanned, atol=10 * tolerance, rtol=10 * tolerance)


@jax_only
@pytest.mark.parametrize("route", ["projected", "projected-unroll4"])
@pytest.mark.parametrize("masked", [True, False], ids=["masked", "unmasked"])
def test_projected_loop_equals_the_keras_scan_with_gradients(route, masked, monkeypatch):
    """The loop with the input projection hoisted out: Keras's values, states and gradients,
    for the encoder's masked runs and the decoder's unmasked ones."""
    import jax
    import jax.numpy as jnp

    layer = _lstm()
    x, mask = _padded_batch()
    mask = mask if masked else None
    rng = np.random.default_rng(3)
    h0, c0 = (rng.normal(size=(5, 4)).astype("float32") for _ in range(2))
    weights = [layer.cell.kernel, layer.cell.recurrent_kernel, layer.cell.bias]
    tolerance = 1e-2 if _on_gpu() else 1e-5

    def run(way, k, r, b):
        monkeypatch.setattr(layers, "lstm_route", lambda masked: way)
        with keras.StatelessScope(state_mapping=list(zip(weights, (k, r, b)))):
            return layer.inner_loop(jnp.asarray(x), [h0, c0], None if mask is None else jnp.asarray(mask))

    values = [np.asarray(v) for v in weights]
    last, outputs, (h, c) = run(route, *values)
    keras_last, keras_outputs, (keras_h, keras_c) = run("scan", *values)
    for ours, theirs in ((last, keras_last), (outputs, keras_outputs), (h, keras_h), (c, keras_c)):
        np.testing.assert_allclose(ours, theirs, atol=tolerance)
    assert outputs.shape == (5, 7, 4)
    if masked:  # row 1 has one real step: past it, the output repeats that step's h
        np.testing.assert_allclose(outputs[1, 3], outputs[1, 0])
        assert not np.allclose(h[1], h[0])

    def loss(way):
        def of(k, r, b):
            _, out, (hh, cc) = run(way, k, r, b)
            return jnp.sum(out ** 2) + jnp.sum(hh * cc)
        return jax.grad(of, argnums=(0, 1, 2))(*values)

    for ours, theirs in zip(loss(route), loss("scan")):
        np.testing.assert_allclose(ours, theirs, atol=10 * tolerance, rtol=10 * tolerance)


def _on_gpu():
    if keras.backend.backend() != "jax":
        return False
    import jax

    return jax.default_backend() == "gpu"


@jax_only
def test_routes_by_backend_device_and_choice(monkeypatch):
    import jax

    platforms = {"now": ("cpu", "cpu")}
    monkeypatch.setattr(rnn, "_platforms", lambda jax: platforms["now"])
    assert [rnn.lstm_route(m) for m in (True, False)] == ["keras", "keras"]  # no GPU: Keras's own
    platforms["now"] = ("gpu", "cpu")  # a GPU machine, work placed on its CPU (--device cpu)
    assert [rnn.lstm_route(m) for m in (True, False)] == ["scan", "scan"]
    assert not rnn.fused_lstm_available()
    platforms["now"] = ("gpu", "gpu")
    assert rnn.kernels == "scan"  # the default: fastest measured on a GPU
    assert [rnn.lstm_route(m) for m in (True, False)] == ["scan", "scan"]
    expected = {"cudnn": ["fused", "keras"], "cudnn-unmasked": ["scan", "keras"], "scan": ["scan", "scan"],
                "unrolled": ["unrolled", "unrolled"], "projected": ["projected", "projected"],
                "projected-unroll4": ["projected-unroll4", "projected-unroll4"]}
    assert set(expected) == set(rnn.KERNELS)
    for kernels, routes in expected.items():
        monkeypatch.setattr(rnn, "kernels", kernels)
        assert [rnn.lstm_route(m) for m in (True, False)] == routes, kernels
    monkeypatch.undo()
    # The real placement: keras.device() scopes decide the second platform.
    with keras.device(jax.devices("cpu")[0]):
        assert rnn._platforms(jax)[1] == "cpu"


@jax_only
def test_model_logits_the_same_whichever_way_the_lstms_run(monkeypatch):
    config = ModelConfig(mode="attention", cell="lstm", units=8, embedding_dim=4, layers=2,
                         source_vocab_size=9, target_vocab_size=7)
    keras.utils.set_random_seed(0)
    model = Seq2SeqModel(config.to_dict()).build_with_dummy_inputs()
    source = np.array([[3, 4, 5, 6, 0, 0], [7, 0, 0, 0, 0, 0], [3, 3, 8, 4, 5, 6]], "int32")
    target = np.array([[1, 3, 4, 0], [1, 5, 0, 0], [1, 6, 6, 2]], "int32")
    # The GPU's cuDNN and matmuls may use TF32.
    tolerance = 2e-2 if _on_gpu() else 1e-5

    monkeypatch.setattr(layers, "lstm_route", lambda masked: "scan")
    scanned = np.asarray(model((source, target)))
    for way in ("unrolled", "projected"):  # projected-unroll4: the layer test above
        monkeypatch.setattr(layers, "lstm_route", lambda masked: way)
        np.testing.assert_allclose(np.asarray(model((source, target))), scanned, atol=tolerance, err_msg=way)
    assert not any(layer.unroll for layer in model.encoder_layers + model.decoder_layers)  # restored

    calls = []

    def reference(*args, **kwargs):
        calls.append(1)
        return rnn.reference_lstm(*args, **kwargs)

    monkeypatch.setattr(layers, "lstm_route", lambda masked: "fused" if masked else "scan")
    monkeypatch.setattr(layers, "masked_lstm", functools.partial(rnn.masked_lstm, implementation=reference))
    fused = np.asarray(model((source, target)))
    assert len(calls) == 2  # both encoder layers took the fused path
    np.testing.assert_allclose(fused, scanned, atol=tolerance)
    # Saving and loading (safe mode) are test_modelfile's: every LSTM model is made of these.

