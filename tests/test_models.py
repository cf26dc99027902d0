"""Every mode × cell × depth × direction builds, trains a step and decodes; layer round trips.

Backend-neutral: CI runs this file under TensorFlow and under JAX."""

import itertools

import keras
import numpy as np
import pytest
from keras import ops

from playground.config import ModelConfig
from playground.models.layers import Attention, StateBridge
from playground.models.seq2seq import Seq2SeqModel
from playground.inference import search
from playground.inference.search import greedy_decode, reference_greedy_decode

pytestmark = pytest.mark.backends

SOURCE = np.array([[5, 6, 7, 8, 0], [9, 5, 0, 0, 0]], np.int32)
TARGET_IN = np.array([[1, 8, 7, 6], [1, 5, 9, 0]], np.int32)
TARGET_OUT = np.array([[8, 7, 6, 2], [5, 9, 2, 0]], np.int32)


def make(mode, cell="lstm", layers=1, bidirectional=False, attention="general", units=12):
    keras.utils.set_random_seed(0)
    config = ModelConfig(mode=mode, cell=cell, layers=layers, bidirectional=bidirectional, attention=attention,
                         units=units, embedding_dim=6, source_vocab_size=11, target_vocab_size=10,
                         max_source_length=5, max_target_length=4, d_model=8, heads=2, ff_dim=12,
                         encoder_layers=1, decoder_layers=2, max_positions=8)
    model = Seq2SeqModel(config.to_dict(), {"note": "test"})
    model.build_with_dummy_inputs()
    return model


COMBOS = [c for c in itertools.product(["basic", "feedback", "peek", "attention", "lm"], ["rnn", "gru", "lstm"],
                                       [1, 2], [False, True]) if not (c[0] == "lm" and c[3])]


@pytest.mark.tensorflow_only  # under JAX every mode × cell is built, trained and decoded below
@pytest.mark.parametrize("mode,cell,layers,bidirectional", COMBOS)
def test_every_combination_builds_and_decodes(mode, cell, layers, bidirectional):
    model = make(mode, cell, layers, bidirectional)
    logits = model((SOURCE, TARGET_IN), training=False)
    assert logits.shape == (2, 4, 10)
    tokens = reference_greedy_decode(model, SOURCE, 6)
    assert tokens.shape[0] == 2 and tokens.max() < 10


# Training compiles a step per model: each mode × cell once, deep and (where allowed)
# bidirectional, so stacking and the state bridges get gradients too. Under another backend
# every mode and every cell trains once (LSTM in every mode, GRU and SimpleRNN in one each):
# the cells' own code is Keras's per backend, the modes' is ours.
TRAINED = [pytest.param(mode, cell, 2, mode != "lm",
                        marks=[] if cell == "lstm" or (mode, cell) in {("attention", "gru"), ("feedback", "rnn")}
                        else [pytest.mark.tensorflow_only])
           for mode, cell in itertools.product(["basic", "feedback", "peek", "attention", "lm"], ["rnn", "gru", "lstm"])]
TRAINED += [("transformer", "lstm", 1, False), ("lm", "transformer", 1, False)]


@pytest.mark.parametrize("mode,cell,layers,bidirectional", TRAINED)
def test_every_mode_and_cell_trains_every_weight(mode, cell, layers, bidirectional):
    from playground.backend.devices import plan_device
    from playground.backend.steps import make_steps
    from playground.training.losses import masked_token_sums

    model = make(mode, cell, layers, bidirectional)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    model.optimizer.build(model.trainable_variables)
    before = [np.array(w) for w in model.get_weights()]
    steps = make_steps(model, plan_device("cpu", distribute="none"), masked_token_sums)
    losses = []
    for _ in range(3):
        loss_sum, _, count = steps.values(steps.train((SOURCE, TARGET_IN, TARGET_OUT)))
        losses.append(loss_sum / count)
    unchanged = [v.path for v, w in zip(model.weights, before) if np.array_equal(ops.convert_to_numpy(v), w)]
    assert not unchanged, f"weights without a gradient: {unchanged}"
    assert losses[-1] < losses[0]
    tokens = search.greedy_decode(model, SOURCE, 6).tokens
    np.testing.assert_array_equal(tokens[:, :reference_greedy_decode(model, SOURCE, 6).shape[1]],
                                  reference_greedy_decode(model, SOURCE, 6))


def test_decode_step_matches_teacher_forced_call():
    """Stepping the decoder with the true previous tokens reproduces call()'s logits."""
    for mode in ("feedback", "peek", "attention", "lm"):
        model = make(mode, "gru", layers=2, bidirectional=mode != "lm")
        full = ops.convert_to_numpy(model((SOURCE, TARGET_IN)))
        memory, mask, states, context = model.encode(SOURCE)
        for t in range(TARGET_IN.shape[1]):
            logits, states, _ = model.decode_step(TARGET_IN[:, t], states, memory, mask, context)
            np.testing.assert_allclose(ops.convert_to_numpy(logits), full[:, t], rtol=1e-4, atol=1e-5, err_msg=mode)


def test_encoder_ignores_padding_in_final_state():
    for bidirectional in (False, True):
        model = make("feedback", "lstm", layers=2, bidirectional=bidirectional)
        padded = model.encode(np.array([[5, 6, 7, 0, 0, 0]], np.int32))
        exact = model.encode(np.array([[5, 6, 7]], np.int32))
        for a, b in zip(padded[2], exact[2]):
            np.testing.assert_allclose(ops.convert_to_numpy(a), ops.convert_to_numpy(b), rtol=1e-5, atol=1e-6)


def test_stacked_encoder_states_initialise_matching_decoder_layers():
    model = make("feedback", "lstm", layers=2)
    x = model.source_embedding(SOURCE)
    mask = SOURCE != 0
    expected = []
    for layer in model.encoder_layers:
        out = layer(x, mask=mask)
        x, expected = out[0], expected + list(out[1:])
    _, _, states, context = model.encode(SOURCE)
    assert len(states) == 4  # two layers × (h, c)
    for a, b in zip(states, expected):
        np.testing.assert_allclose(ops.convert_to_numpy(a), ops.convert_to_numpy(b), rtol=1e-5)
    np.testing.assert_allclose(ops.convert_to_numpy(context), ops.convert_to_numpy(expected[2]), rtol=1e-5)  # top layer's h


def test_basic_mode_ignores_previous_tokens():
    model = make("basic")
    a = ops.convert_to_numpy(model((SOURCE, TARGET_IN)))
    b = ops.convert_to_numpy(model((SOURCE, np.zeros_like(TARGET_IN))))
    np.testing.assert_allclose(a, b)


def test_attention_weights_are_a_distribution_over_real_tokens():
    model = make("attention", attention="additive")
    result = greedy_decode(model, SOURCE, 5)
    weights = result.attention  # [B, L, S]
    np.testing.assert_allclose(weights[0, 0].sum(), 1.0, rtol=1e-5)
    assert np.all(weights[1, 0, 2:] < 1e-6)  # padding gets no attention


@pytest.mark.parametrize("score", ["dot", "general", "additive"])
def test_attention_layer_save_load_round_trip(score, tmp_path):
    query = keras.Input((None, 8))
    memory = keras.Input((None, 8))
    mask = keras.Input((None,), dtype="bool")
    context, weights = Attention(score, 8)(query, memory, mask)
    model = keras.Model([query, memory, mask], [context, weights])
    data = [np.random.rand(2, 3, 8).astype("float32"), np.random.rand(2, 4, 8).astype("float32"),
            np.array([[1, 1, 1, 0], [1, 1, 1, 1]], bool)]
    path = tmp_path / "attention.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    for a, b in zip(model.predict(data, verbose=0), loaded.predict(data, verbose=0)):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_state_bridge_save_load_round_trip(tmp_path):
    forward, backward = keras.Input((5,)), keras.Input((5,))
    model = keras.Model([forward, backward], StateBridge(5)(forward, backward))
    data = [np.random.rand(3, 5).astype("float32"), np.random.rand(3, 5).astype("float32")]
    model.save(tmp_path / "bridge.keras")
    loaded = keras.saving.load_model(tmp_path / "bridge.keras", safe_mode=True)
    np.testing.assert_allclose(model.predict(data, verbose=0), loaded.predict(data, verbose=0), rtol=1e-6)


def test_seq2seq_model_get_config_round_trip():
    model = make("attention", "gru", layers=2, bidirectional=True)
    clone = Seq2SeqModel.from_config(model.get_config())
    clone.build_with_dummy_inputs()
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(ops.convert_to_numpy(clone((SOURCE, TARGET_IN))),
                               ops.convert_to_numpy(model((SOURCE, TARGET_IN))), rtol=1e-6)
    assert clone.meta == {"note": "test"}
