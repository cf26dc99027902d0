"""Pitch-class histograms, their distance, and the n-gram baselines an LSTM must beat."""

from __future__ import annotations

import math

import numpy as np
import pytest

from playground.music.corpus import load_music_source
from playground.music.metrics import bigram_baseline, histogram_distance, pitch_class_histogram, unigram_baseline
from playground.music.notes import Note


def test_pitch_class_histogram():
    notes = [Note(60, 0, 1), Note(72, 1, 3), Note(67, 4, 1), Note(61, 5, 1)]
    h = pitch_class_histogram(notes)
    assert h.shape == (12,) and h.sum() == pytest.approx(1.0)
    assert h[0] == 0.5 and h[7] == 0.25 and h[1] == 0.25
    hd = pitch_class_histogram(notes, weight="duration")
    assert hd[0] == pytest.approx(4 / 6)
    assert pitch_class_histogram([]).tolist() == [0.0] * 12
    with pytest.raises(ValueError):
        pitch_class_histogram(notes, weight="loudness")


def test_histogram_distance():
    c = np.eye(12)[0]
    g = np.eye(12)[7]
    assert histogram_distance(c, c) == 0.0
    assert histogram_distance(c, g) == pytest.approx(1.0)  # disjoint support
    mix = (c + g) / 2
    assert histogram_distance(c, mix) == pytest.approx(histogram_distance(mix, c))  # symmetric
    assert 0 < histogram_distance(c, mix) < 1
    assert histogram_distance(c * 5, c) == 0.0  # renormalised
    assert histogram_distance(np.zeros(12), np.zeros(12)) == 0.0
    assert histogram_distance(np.zeros(12), c) == 1.0
    with pytest.raises(ValueError):
        histogram_distance(np.ones(12), np.ones(7))


def test_bigram_on_deterministic_sequences():
    train = [["a", "b", "c", "a", "b", "c"]] * 3
    res = bigram_baseline(train, [["a", "b", "c", "a"]], k=1.0)
    assert res["token_accuracy"] == 1.0 and res["tokens"] == 4
    assert res["vocab_size"] == 4  # a, b, c, <unk>
    # Hand computation with k=1, V=4: P(a|<s>) = (3+1)/(3+4); P(b|a) = (6+1)/(6+4); P(c|b) = 7/10; P(a|c) = (3+1)/(3+4).
    nll = -(math.log(4 / 7) + math.log(7 / 10) + math.log(7 / 10) + math.log(4 / 7))
    assert res["perplexity"] == pytest.approx(math.exp(nll / 4))


def test_unigram_and_unseen_tokens():
    train = [["x", "x", "y"]]
    res = unigram_baseline(train, [["x", "z"]], k=1.0)
    assert res["token_accuracy"] == 0.5  # predicts "x" always; "z" is unseen
    # V = {<unk>, x, y}; total = 3 + 3.
    assert res["perplexity"] == pytest.approx(math.exp(-(math.log(3 / 6) + math.log(1 / 6)) / 2))
    bi = bigram_baseline(train, [["q", "q"]])  # unseen context -> uniform
    assert bi["token_accuracy"] == 0.0 and bi["perplexity"] > 1
    assert math.isnan(bigram_baseline(train, [])["perplexity"])
    with pytest.raises(ValueError):
        bigram_baseline(train, train, k=0)


@pytest.mark.parametrize("encoding", ["melody", "events"])
def test_bigram_baseline_on_builtin(encoding):
    corpus = load_music_source("midi:sample", encoding=encoding)
    bi = bigram_baseline(corpus.train, corpus.test)
    uni = unigram_baseline(corpus.train, corpus.test)
    print(f"{encoding}: bigram {bi}, unigram {uni}")
    assert bi["tokens"] == sum(map(len, corpus.test)) > 100
    # The bigram captures real structure; the uniform model's perplexity is the vocabulary size.
    assert bi["perplexity"] < uni["perplexity"] < uni["vocab_size"]
    assert bi["token_accuracy"] >= uni["token_accuracy"]
    assert 0.3 < bi["token_accuracy"] < 1.0
