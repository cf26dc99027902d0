"""Compiled decoding equals plain step-by-step decoding; beam and sampling behave."""

import numpy as np
import pytest

from playground.inference import search
from playground.data.vocab import END_ID, PAD_ID

pytestmark = pytest.mark.backends


@pytest.fixture(scope="module")
def sources(tiny_corpus, tiny_model):
    from playground.data.batching import encode_split, pad_batch

    split = encode_split(tiny_corpus.test[:16], tiny_corpus.source_vocab, tiny_corpus.target_vocab)
    return pad_batch(split.sources)


def test_compiled_greedy_equals_step_by_step(tiny_model, sources):
    compiled = search.greedy_decode(tiny_model, sources, 14).tokens
    reference = search.reference_greedy_decode(tiny_model, sources, 14)
    width = reference.shape[1]
    np.testing.assert_array_equal(compiled[:, :width], reference)
    assert np.all(compiled[:, width:] == PAD_ID)


def test_greedy_pads_after_end(tiny_model, sources):
    tokens = search.greedy_decode(tiny_model, sources, 20).tokens
    for row in tokens:
        ends = np.flatnonzero(row == END_ID)
        if ends.size:
            assert np.all(row[ends[0] + 1:] == PAD_ID)


def test_beam_width_one_is_greedy(tiny_model, sources):
    greedy = search.greedy_decode(tiny_model, sources, 14)
    beam = search.beam_search(tiny_model, sources, 14, beam_width=1, length_penalty=0.0)
    for g, b in zip(greedy.tokens, beam.tokens[:, 0]):
        g_ids = [t for t in g if t != PAD_ID]
        b_ids = [t for t in b if t != PAD_ID]
        assert g_ids == b_ids
    np.testing.assert_allclose(beam.log_probs[:, 0], greedy.log_probs, rtol=1e-4, atol=1e-4)


def test_beam_n_best_sorted_and_distinct(tiny_model, sources):
    beam = search.beam_search(tiny_model, sources[:4], 14, beam_width=5, n_best=3)
    assert beam.tokens.shape[:2] == (4, 3)
    assert np.all(np.diff(beam.scores, axis=1) <= 1e-6)
    for item in beam.tokens:
        assert len({tuple(row) for row in item}) == 3
    assert np.all(beam.log_probs <= 0)


def test_beam_finds_at_least_greedy_probability_without_length_penalty(tiny_model, sources):
    greedy = search.greedy_decode(tiny_model, sources, 14)
    beam = search.beam_search(tiny_model, sources, 14, beam_width=8, length_penalty=0.0)
    assert np.mean(beam.log_probs[:, 0] >= greedy.log_probs - 1e-4) >= 0.9


def test_sampling_top_k_one_is_greedy_and_seeded(tiny_model, sources):
    greedy = search.greedy_decode(tiny_model, sources, 14).tokens
    sampled = search.sample_decode(tiny_model, sources, 14, top_k=1, seed=3)
    np.testing.assert_array_equal(sampled[:, : greedy.shape[1]], greedy[:, : sampled.shape[1]])
    a = search.sample_decode(tiny_model, sources, 14, temperature=1.5, seed=7)
    b = search.sample_decode(tiny_model, sources, 14, temperature=1.5, seed=7)
    np.testing.assert_array_equal(a, b)


def test_sampling_never_gives_padding_start_or_unknown(tiny_model, sources):
    """<unk> stands for rare tokens: a generated sequence never shows it, even where the
    model prefers it (its logit raised far above the rest here)."""
    from playground.data.vocab import START_ID, UNK_ID

    bias = tiny_model.output_layer.bias
    before = np.array(bias.numpy())
    try:
        raised = before.copy()
        raised[UNK_ID] += 50.0
        bias.assign(raised)
        assert np.all(search.greedy_decode(tiny_model, sources, 6).tokens[:, 0] == UNK_ID)  # what it prefers
        out = search.sample_decode(tiny_model, sources, 6, temperature=2.0, seed=2)
    finally:
        bias.assign(before)
    assert not np.isin(out, [UNK_ID, START_ID]).any()
    assert np.all(out[:, 0] != PAD_ID)


def test_sampling_forces_the_prefix(tiny_model, sources):
    prefix = np.tile(np.array([[5, 6, 7]], np.int32), (len(sources), 1))
    out = search.sample_decode(tiny_model, sources, 10, prefix_ids=prefix, temperature=2.0, seed=1)
    np.testing.assert_array_equal(out[:, :3], prefix)


def test_sampling_rejects_bad_parameters(tiny_model, sources):
    with pytest.raises(ValueError, match="temperature"):
        search.sample_decode(tiny_model, sources, 5, temperature=0)
    with pytest.raises(ValueError, match="top_p"):
        search.sample_decode(tiny_model, sources, 5, top_p=0)


def test_predictor_reports_unknown_input_and_attention(tiny_model):
    from playground.inference.predictor import Predictor

    predictor = Predictor(tiny_model)
    result = predictor.translate(["12x45", ""], beam_width=3, n_best=2)
    assert result[0].unknown == ["x"]
    assert result[1].unknown == []
    assert result[0].attention.shape[1] == 5
    assert len(result[0].n_best) == 2 and result[0].text == result[0].n_best[0][0]


def test_compiled_search_reads_the_current_weights(tiny_corpus, sources):
    """A validation decode during training must use the weights of that moment: the compiled
    function (traced once) reads the model's variables at every call, on every backend."""
    import keras

    from playground.config import ModelConfig
    from playground.models.seq2seq import Seq2SeqModel

    keras.utils.set_random_seed(1)
    config = ModelConfig(mode="attention", units=8, embedding_dim=4, source_vocab_size=len(tiny_corpus.source_vocab),
                         target_vocab_size=len(tiny_corpus.target_vocab), max_source_length=12, max_target_length=12)
    model = Seq2SeqModel(config.to_dict(), {}).build_with_dummy_inputs()
    before = search.greedy_decode(model, sources, 14)
    rng = np.random.default_rng(0)
    model.set_weights([w + rng.normal(0, 0.5, w.shape).astype(w.dtype) for w in model.get_weights()])
    after = search.greedy_decode(model, sources, 14)
    assert not np.allclose(before.log_probs, after.log_probs)
    reference = search.reference_greedy_decode(model, sources, 14)
    np.testing.assert_array_equal(after.tokens[:, :reference.shape[1]], reference)


def test_decoding_shapes_are_bucketed_where_each_shape_compiles():
    """Under JAX a new input shape is a new compilation: batch, source length and output
    capacity round up to powers of two, so typing a sentence compiles a handful of times."""
    from playground.backend.compiled import needs_static_shapes

    shapes = {search._shaped(np.ones((1, width), np.int32), 2 * width + 4)[0].shape for width in range(1, 33)}
    capacities = {search._shaped(np.ones((1, width), np.int32), 2 * width + 4)[1] for width in range(1, 33)}
    if needs_static_shapes():
        assert shapes == {(1, 8), (1, 16), (1, 32)} and capacities == {16, 32, 64, 128}
    else:  # TensorFlow traces once with open dimensions: nothing to pad
        assert len(shapes) == 32
