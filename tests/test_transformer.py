"""The Transformer mode: cached decoding equals full recomputation, every search drives it,
its model file round-trips, the decoder-only language model generates.

Backend-neutral: CI runs this file under TensorFlow and under JAX."""

import keras
import numpy as np
import pytest
from keras import ops

from playground.config import ConfigError, ModelConfig
from playground.data.vocab import END_ID, PAD_ID, START_ID
from playground.inference import search
from playground.models.seq2seq import Seq2SeqModel

pytestmark = pytest.mark.backends

SMALL = {"d_model": 16, "heads": 2, "ff_dim": 24, "encoder_layers": 1, "decoder_layers": 2}


@pytest.fixture(scope="module")
def transformer(tiny_corpus):
    """A small Transformer trained two epochs on digits:reverse (outputs are not degenerate)."""
    from conftest import train_tiny

    result = train_tiny(tiny_corpus, "transformer", epochs=2, **SMALL)
    assert result.status == "done", result.message
    assert result.history["epochs"][-1]["train_loss"] < result.history["epochs"][0]["train_loss"]
    return result.model


@pytest.fixture(scope="module")
def sources(tiny_corpus):
    from playground.data.batching import encode_split, pad_batch

    split = encode_split(tiny_corpus.test[:6], tiny_corpus.source_vocab, tiny_corpus.target_vocab)
    return pad_batch(split.sources)


def full_recomputation_greedy(model, source, steps):
    """Greedy decoding that re-runs the whole decoder over the prefix at every step (no cache)."""
    prefix = np.full((source.shape[0], 1), START_ID, np.int32)
    finished = np.zeros(source.shape[0], bool)
    out = []
    for _ in range(steps):
        logits = ops.convert_to_numpy(model((source, prefix)))[:, -1]
        token = logits.argmax(-1).astype(np.int32)
        token[finished] = PAD_ID
        out.append(token)
        finished |= token == END_ID
        prefix = np.concatenate([prefix, token[:, None]], 1)
        if finished.all():
            break
    return np.stack(out, 1)


def test_compiled_equals_step_by_step_equals_full_recomputation(transformer, sources):
    steps = transformer.config.max_target_length + 2
    full = full_recomputation_greedy(transformer, sources, steps)
    stepped = search.reference_greedy_decode(transformer, sources, steps)
    compiled = search.greedy_decode(transformer, sources, steps).tokens
    np.testing.assert_array_equal(stepped, full)
    np.testing.assert_array_equal(compiled[:, :full.shape[1]], full)
    assert (full == END_ID).any(axis=1).sum() >= 3, "a trained model ends most outputs"


def test_cached_step_logits_match_teacher_forced_call(transformer, sources):
    target_in = np.concatenate([np.full((sources.shape[0], 1), START_ID, np.int32), sources[:, :-1]], 1)
    full = ops.convert_to_numpy(transformer((sources, target_in)))
    memory, mask, states, context = transformer.encode(sources)
    for t in range(target_in.shape[1]):
        logits, states, weights = transformer.decode_step(target_in[:, t], states, memory, mask, context)
        np.testing.assert_allclose(ops.convert_to_numpy(logits), full[:, t], rtol=1e-4, atol=1e-4)
        weights = ops.convert_to_numpy(weights)
        np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-5)
        assert np.all(weights[sources == 0] == 0), "padding gets no cross-attention"


def test_beam_and_sampling_drive_the_transformer(transformer, sources):
    steps = transformer.config.max_target_length + 2
    greedy = search.greedy_decode(transformer, sources, steps)
    beam1 = search.beam_search(transformer, sources, steps, beam_width=1)
    np.testing.assert_array_equal(beam1.tokens[:, 0], greedy.tokens)
    beams = search.beam_search(transformer, sources, steps, beam_width=4, n_best=3, length_penalty=0.0)
    assert np.all(np.diff(beams.scores, axis=1) <= 1e-6)
    assert np.all(beams.log_probs[:, 0] >= greedy.log_probs - 1e-4)
    sampled = search.sample_decode(transformer, sources, steps, top_k=1, seed=3)
    np.testing.assert_array_equal(sampled, greedy.tokens)


def test_predictor_shows_cross_attention_and_per_head_weights(transformer):
    from playground.inference.predictor import Predictor

    predictor = Predictor(transformer)
    [result] = predictor.translate(["12345"])
    assert result.attention is not None
    rows = result.attention.shape[0]  # output tokens and END (fewer if it never ended)
    assert result.attention.shape[1] == 5 and rows in (len(result.tokens), len(result.tokens) + 1)
    np.testing.assert_allclose(result.attention.sum(-1), 1.0, rtol=1e-5)
    heads = predictor.attention_heads("12345", result.tokens)
    assert heads.shape == (SMALL["decoder_layers"], SMALL["heads"], len(result.tokens) + 1, 5)
    # The greedy map is the last block's mean over heads.
    np.testing.assert_allclose(heads[-1].mean(0)[:rows], result.attention, atol=1e-5)


def test_transformer_model_file_round_trip(transformer, sources, tmp_path):
    from playground.modelfile import load_model, save_model

    path = tmp_path / "transformer.keras"
    save_model(transformer, path)
    loaded = load_model(path)
    target_in = np.concatenate([np.full((sources.shape[0], 1), START_ID, np.int32), sources[:, :-1]], 1)
    np.testing.assert_allclose(ops.convert_to_numpy(loaded((sources, target_in))),
                               ops.convert_to_numpy(transformer((sources, target_in))), rtol=1e-5, atol=1e-5)
    assert loaded.config == transformer.config


def test_decoder_only_language_model_generates():
    keras.utils.set_random_seed(0)
    config = ModelConfig(mode="lm", cell="transformer", positions="learned", target_vocab_size=12,
                         max_positions=8, **SMALL)
    model = Seq2SeqModel(config.to_dict(), {}).build_with_dummy_inputs()
    tokens = np.array([[START_ID, 5, 6, 7, 8]], np.int32)
    full = ops.convert_to_numpy(model((np.zeros((1, 1), np.int32), tokens)))
    memory, mask, states, context = model.encode(np.zeros((1, 1), np.int32))
    for t in range(tokens.shape[1]):
        logits, states, _ = model.decode_step(tokens[:, t], states, memory, mask, context)
        np.testing.assert_allclose(ops.convert_to_numpy(logits), full[:, t], rtol=1e-4, atol=1e-4)
    # Longer than the cache: the window slides instead of failing.
    sampled = search.sample_decode(model, np.zeros((1, 1), np.int32), 20, prefix_ids=[[5, 6]], seed=1)
    assert sampled.shape == (1, 20) and list(sampled[0, :2]) == [5, 6]


def test_transformer_settings_are_validated():
    with pytest.raises(ConfigError, match="multiple of heads"):
        ModelConfig(mode="transformer", d_model=30, heads=4)
    with pytest.raises(ConfigError, match="positions"):
        ModelConfig(mode="transformer", positions="rotary")
    with pytest.raises(ConfigError, match="language models"):
        ModelConfig(mode="attention", cell="transformer")
    with pytest.raises(ConfigError, match="decoder_layers"):
        ModelConfig(mode="transformer", decoder_layers=0)


def test_transformer_language_model_trains_and_generates_text():
    from conftest import train_tiny

    from playground.data.source import DataOptions, load_source
    from playground.inference.predictor import Predictor
    from playground.training.session import resolve_model_config

    config = resolve_model_config({"mode": "transformer"}, "lm")
    assert (config.mode, config.cell) == ("lm", "transformer")
    corpus = load_source("text:sample", DataOptions(max_samples=64))
    result = train_tiny(corpus, "lm", epochs=1, cell="transformer", **SMALL)
    assert result.status == "done", result.message
    text, unknown = Predictor(result.model).generate("The ", length=30, seed=2)
    assert text.startswith("The ") and len(text) > 4 and not unknown
