"""Tests for playground.data.text: normalisation and tokenisation."""

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from playground.data.text import (
    LEVELS,
    UNICODE_REPLACEMENTS,
    WORD_PATTERN,
    detokenize,
    normalize,
    tokenize,
)


def normalize_with_table(text: str) -> str:
    """Reference implementation: NFC then the published regex table, in order."""
    text = unicodedata.normalize("NFC", text)
    for pattern, replacement in UNICODE_REPLACEMENTS:
        text = re.sub(pattern, replacement, text)
    return text


def test_levels():
    assert LEVELS == ("char", "word", "subword")


def test_subword_pieces_detokenise_without_the_model():
    from playground.data.text import detokenize, tokenize

    assert detokenize(["\u2581Il", "\u2581fait", "\u2581be", "au", "."], "subword") == "Il fait beau."
    with pytest.raises(ValueError, match="SentencePiece"):
        tokenize("Il fait beau.", "subword")


def test_normalize_french_narrow_spaces_and_quotes():
    assert normalize("Cours\u202f!") == "Cours !"
    assert normalize("Quoi\u00a0?") == "Quoi ?"
    assert normalize("1\u20072\u20093") == "1 2 3"
    assert normalize("l\u2019homme \u2018x\u2019 \u201cy\u201d") == "l'homme 'x' \"y\""


def test_normalize_whitespace_and_strip():
    assert normalize("  a \t\tb\n c  ") == "a b c"
    assert normalize("   ") == ""


def test_normalize_nfc():
    decomposed = "e\u0301te\u0301"
    assert normalize(decomposed) == "\u00e9t\u00e9"


def test_normalize_lowercase_and_raw():
    assert normalize("Hello  World", lowercase=True) == "hello world"
    # unicode=False leaves the text alone except lowercasing
    assert normalize("A\u202f!  ", unicode=False) == "A\u202f!  "
    assert normalize("A\u202f!", unicode=False, lowercase=True) == "a\u202f!"


def test_replacement_table_is_regex_pairs():
    assert all(isinstance(p, str) and isinstance(r, str) for p, r in UNICODE_REPLACEMENTS)
    for pattern, _ in UNICODE_REPLACEMENTS:
        re.compile(pattern)
    assert WORD_PATTERN == r"\w+|[^\w\s]"


@given(st.text())
def test_fast_normalize_matches_the_published_table(text):
    assert normalize(text) == normalize_with_table(text)


@given(st.text(alphabet=st.sampled_from(list(" \t\n\u202f\u00a0\u2009\u2007\u2019\u201cab.é"))))
def test_fast_normalize_matches_table_on_tricky_alphabet(text):
    assert normalize(text) == normalize_with_table(text)


def test_tokenize_char_keeps_spaces():
    assert tokenize("a b", "char") == ["a", " ", "b"]


def test_tokenize_word():
    assert tokenize("Don't stop, Tom!", "word") == ["Don", "'", "t", "stop", ",", "Tom", "!"]
    assert tokenize("Où est-il ?", "word") == ["Où", "est", "-", "il", "?"]


def test_unknown_level_lists_options():
    with pytest.raises(ValueError, match="char, word"):
        tokenize("x", "byte")
    with pytest.raises(ValueError, match="char, word"):
        detokenize(["x"], "sentence")


def test_detokenize_word_rules():
    assert detokenize(["Don", "'", "t", "stop", ",", "Tom", "!"], "word") == "Don't stop, Tom!"
    assert detokenize(["I", "said", "(", "quietly", ")", "yes", "."], "word") == "I said (quietly) yes."
    assert detokenize(["Wait", ";", "what", ":", "now", "?"], "word") == "Wait; what: now?"
    assert detokenize(["rock", "'", "n", "'", "roll"], "word") == "rock'n'roll"
    assert detokenize([], "word") == ""


@pytest.mark.parametrize("sentence", ["I don't know.", "Where is it?", "Hello, world!", "Tom's (big) dog."])
def test_word_round_trip_on_plain_english(sentence):
    assert detokenize(tokenize(sentence, "word"), "word") == sentence


@given(st.text())
def test_char_round_trip(text):
    assert detokenize(tokenize(text, "char"), "char") == text


@given(st.text())
def test_word_tokens_contain_no_whitespace(text):
    for token in tokenize(text, "word"):
        assert token and not token.isspace()


AS_WRITTEN = ["six thousand nine hundred forty-three", "peut-être", "Qu'est-ce que c'est ?", "It costs $5.50.",
              '"Hi," he said.', 'He said "no" and "yes".', "Meet at 10:30, ok?", "1,000 people", "and/or",
              "50% off [sic] {x}", "Tom's (big) dog.", "rock'n'roll",
              # Words keep their combining marks (they were cut at each: "स ु प ् रभ ा त ।").
              "सुप्रभात।", "नमस्ते, दुनिया!", "ดีครับ", "cafe\u0301 au lait", "日本語です。", "e\u0301te\u0301-là"]
WORD_CASES = AS_WRITTEN + ["- Yes - no -", "C# minor", "#1 fan", '"', 'a "', "", "x ' ", "3 . . 4"]  # the rules' edges too


@pytest.mark.parametrize("sentence", AS_WRITTEN)
def test_word_output_reads_as_written(sentence):
    """Hyphens, decimals, times, currencies and quotes join as in the data (the tokens keep no spacing)."""
    expected = sentence.replace(" ?", "?")  # French spacing before "?" is not kept
    assert detokenize(tokenize(sentence, "word"), "word") == expected


def test_graph_detokenize_equals_python_on_every_rule():
    """A SavedModel's word output (graph ops) equals the Predictor's (Python), Tatoeba lines included."""
    tf = pytest.importorskip("tensorflow")
    from pathlib import Path

    from playground.export import _graph_detokenize, _graph_tokenize

    lines = list(WORD_CASES)
    shared = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "tatoeba" / "tatoeba-eng-fra.txt"
    if shared.is_file():  # real punctuation, both languages; optional: a fresh clone has only the cases
        with shared.open(encoding="utf-8") as handle:
            lines += [side for _, line in zip(range(400), handle) for side in line.rstrip("\n").split("\t")[:2]]
    token_lists = [tokenize(normalize(line), "word") for line in lines]
    got = _graph_detokenize(tf.ragged.constant(token_lists, dtype=tf.string), "word").numpy()
    assert [g.decode("utf-8") for g in got] == [detokenize(t, "word") for t in token_lists]
    graph_tokens = _graph_tokenize(tf.constant([normalize(line) for line in lines]), "word").to_list()
    assert [[t.decode("utf-8") for t in row] for row in graph_tokens] == token_lists  # as training split them
