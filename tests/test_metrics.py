"""BLEU means something on short outputs too: characters where words are too few for 4-grams."""

import pytest

from playground import metrics


def test_bleu_counts_characters_where_references_are_too_short_for_word_4_grams():
    digits = ["123", "4567", "89"]
    assert metrics.bleu_tokenization(digits) == "char"
    assert metrics.bleu(digits, digits) == 0.0  # word BLEU: no 4-grams, so nothing, even when perfect
    assert metrics.bleu(digits, digits, "char") == pytest.approx(100.0)
    assert metrics.bleu(["124", "4567", "98"], digits, "char") < 100.0
    sentences = ["Je suis allé au marché hier.", "Il fait très beau aujourd'hui.", "Va !"]
    assert metrics.bleu_tokenization(sentences) == "13a"  # two of three reach 4 tokens
    assert metrics.bleu(sentences, sentences, "13a") == pytest.approx(100.0)
    assert metrics.bleu_tokenization(["Va !", "Salut.", "Je suis allé au marché hier."]) == "char"
    assert metrics.bleu_tokenization([]) == "char"
