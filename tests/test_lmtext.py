"""Tests for playground.data.lmtext: text for language models."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from playground.data import DataError
from playground.data.lmtext import BUILTIN_TEXT_PATH, TextFile, cut_windows, load_text


def write(tmp_path: Path, content: bytes | str, name: str = "text.txt") -> Path:
    """Write raw bytes (or UTF-8 text) to a file in tmp_path."""
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def test_builtin_sample_exists_and_is_lines():
    assert BUILTIN_TEXT_PATH == Path(__file__).resolve().parents[1] / "assets" / "text" / "sample.txt"
    loaded = load_text(BUILTIN_TEXT_PATH)
    assert isinstance(loaded, TextFile)
    assert loaded.mode_used == "lines"
    assert 200 <= len(loaded.items) <= 400
    assert loaded.skipped == []
    assert len(set(loaded.items)) == len(loaded.items)


def test_lines_mode_drops_blank_lines(tmp_path):
    loaded = load_text(write(tmp_path, "one\r\n\r\n  two  \r\nthree"), mode="lines")
    assert loaded.items == ["one", "two", "three"]


def test_auto_picks_windows_for_long_paragraphs(tmp_path):
    paragraph = " ".join(["word"] * 100)  # 499 characters
    loaded = load_text(write(tmp_path, f"{paragraph}\n\n{paragraph}\n"), window=40)
    assert loaded.mode_used == "windows"
    assert all(0 < len(item) <= 40 for item in loaded.items)
    assert all(item.split() == ["word"] * len(item.split()) for item in loaded.items)  # whole words only


def test_windows_respect_word_boundaries():
    assert cut_windows("the cat sat on the mat", 8) == ["the cat", "sat on", "the mat"]
    assert cut_windows("abcdefghij klm", 4) == ["abcd", "efgh", "ij", "klm"]  # hard cut inside a long word
    assert cut_windows("", 8) == []


@given(st.text(alphabet=st.sampled_from(list("ab  c")), max_size=200), st.integers(8, 30))
def test_windows_keep_every_word_char(text, window):
    items = cut_windows(text, window)
    assert all(0 < len(item) <= window and item == item.strip() for item in items)
    assert "".join(items).replace(" ", "") == text.replace(" ", "")


def test_invalid_utf8_lines_are_skipped(tmp_path):
    loaded = load_text(write(tmp_path, b"good line\nbad \xc3\x28 line\nanother\n"))
    assert loaded.items == ["good line", "another"]
    assert [(s.line, s.reason) for s in loaded.skipped] == [(2, "invalid UTF-8")]
    loaded = load_text(write(tmp_path, b"good line\nbad \xc3\x28 line\nnul \x00 here\nanother\n"))  # one NUL: one line
    assert loaded.items == ["good line", "another"]
    assert [(s.line, s.reason) for s in loaded.skipped] == [(2, "invalid UTF-8"), (3, "a NUL byte (binary data)")]


def test_max_lines(tmp_path):
    assert load_text(write(tmp_path, "a\nb\nc\n"), max_lines=2).items == ["a", "b"]


def test_errors(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_text(tmp_path / "missing.txt")
    with pytest.raises(DataError, match="empty"):
        load_text(write(tmp_path, ""))
    with pytest.raises(DataError, match="not valid UTF-16"):
        load_text(write(tmp_path, b"\xff\xfe\n"))  # a UTF-16 byte-order mark, then half a code unit
    with pytest.raises(DataError, match="not UTF-8 text"):
        load_text(write(tmp_path, b"\xc3\x28\n\xa0\xa1\n"))
    with pytest.raises(ValueError, match="auto, lines, windows"):
        load_text(BUILTIN_TEXT_PATH, mode="paragraphs")
    with pytest.raises(ValueError, match="window"):
        load_text(BUILTIN_TEXT_PATH, window=2)
