"""Tests for playground.data.vocab.Vocabulary."""

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from playground.data.vocab import END, END_ID, PAD, PAD_ID, START, START_ID, UNK, UNK_ID, Vocabulary


def test_special_ids_are_fixed():
    assert (PAD_ID, START_ID, END_ID, UNK_ID) == (0, 1, 2, 3)
    vocab = Vocabulary(["a", "b"], "char")
    assert vocab.tokens == [PAD, START, END, UNK, "a", "b"]
    assert len(vocab) == 6
    assert vocab.token_to_id("b") == 5
    assert vocab.token_to_id("zzz") == UNK_ID


def test_build_orders_by_frequency_then_token():
    vocab = Vocabulary.build([list("banana"), list("cab")], "char")
    # a:4, b:2, n:2, c:1 -> ties broken alphabetically
    assert vocab.tokens[4:] == ["a", "b", "n", "c"]


def test_build_is_independent_of_input_order():
    lists = [list("hello"), list("world"), list("abc")]
    assert Vocabulary.build(lists, "char") == Vocabulary.build(lists[::-1], "char")


def test_build_max_size_counts_specials_and_min_freq():
    lists = [list("aaabbc")]
    assert Vocabulary.build(lists, "char", max_size=6).tokens[4:] == ["a", "b"]
    assert Vocabulary.build(lists, "char", min_freq=2).tokens[4:] == ["a", "b"]
    with pytest.raises(ValueError, match="at least 4"):
        Vocabulary.build(lists, "char", max_size=3)
    with pytest.raises(ValueError, match="min_freq"):
        Vocabulary.build(lists, "char", min_freq=0)


def test_build_ignores_literal_specials_in_data():
    vocab = Vocabulary.build([["<unk>", "x"]], "word")
    assert vocab.tokens[4:] == ["x"]


def test_encode_decode():
    vocab = Vocabulary(["h", "i"], "char")
    ids = vocab.encode(list("hi!"), add_start=True, add_end=True)
    assert ids == [START_ID, 4, 5, UNK_ID, END_ID]
    assert vocab.decode(ids) == ["h", "i", UNK]
    assert vocab.decode(ids, strip_special=False) == [START, "h", "i", UNK, END]
    # stops at the first END, drops padding
    assert vocab.decode([4, PAD_ID, 5, END_ID, 4, 4]) == ["h", "i"]
    assert vocab.decode(np.array([4, 5], dtype=np.int32)) == ["h", "i"]


def test_encode_with_unknowns_reports_in_order():
    vocab = Vocabulary(["a"], "char")
    ids, unknown = vocab.encode_with_unknowns(list("xaxy"))
    assert ids == [UNK_ID, 4, UNK_ID, UNK_ID]
    assert unknown == ["x", "x", "y"]


def test_decode_out_of_range_names_valid_range():
    with pytest.raises(ValueError, match=r"0\.\.4"):
        Vocabulary(["a"], "char").decode([9])


def test_constructor_validation():
    with pytest.raises(ValueError, match="char, word"):
        Vocabulary(["a"], "bytes")
    with pytest.raises(ValueError, match="duplicate"):
        Vocabulary(["a", "a"], "char")
    with pytest.raises(ValueError, match="special"):
        Vocabulary(["<s>"], "char")


def test_dict_round_trip_through_json():
    vocab = Vocabulary(["le", "chat", "é"], "word")
    restored = Vocabulary.from_dict(json.loads(json.dumps(vocab.to_dict())))
    assert restored == vocab
    assert hash(restored) == hash(vocab)
    assert vocab.to_dict() == {"level": "word", "tokens": [PAD, START, END, UNK, "le", "chat", "é"]}


@pytest.mark.parametrize(
    "bad, message",
    [
        ([], "dict"),
        ({"tokens": []}, "level"),
        ({"level": "char"}, "tokens"),
        ({"level": "char", "tokens": "abc"}, "list of strings"),
        ({"level": "char", "tokens": ["a", "b"]}, "specials"),
        ({"level": "nope", "tokens": [PAD, START, END, UNK]}, "char, word"),
    ],
)
def test_from_dict_rejects_malformed(bad, message):
    with pytest.raises(ValueError, match=message):
        Vocabulary.from_dict(bad)


def test_equality():
    assert Vocabulary(["a"], "char") == Vocabulary(["a"], "char")
    assert Vocabulary(["a"], "char") != Vocabulary(["a"], "word")
    assert Vocabulary(["a", "b"], "char") != Vocabulary(["b", "a"], "char")


@given(st.lists(st.lists(st.text(min_size=1, max_size=5), max_size=20), min_size=1, max_size=10))
def test_encode_decode_round_trip(token_lists):
    vocab = Vocabulary.build(token_lists, "word")
    for tokens in token_lists:
        if any(t in (PAD, START, END, UNK) for t in tokens):
            continue  # specials are not ordinary vocabulary entries
        ids = vocab.encode(tokens, add_start=True, add_end=True)
        assert vocab.decode(ids) == tokens
        assert vocab.encode_with_unknowns(tokens)[1] == []
