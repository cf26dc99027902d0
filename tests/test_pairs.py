"""Tests for playground.data.pairs: the tolerant pairs/parallel loaders."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.data import DataError
from playground.data.pairs import PairsFile, SkippedLine, load_pairs, load_parallel

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
ENG_FRA = SHARED_DATA / "tatoeba" / "tatoeba-eng-fra.txt"


def write(tmp_path: Path, content: bytes | str, name: str = "pairs.txt") -> Path:
    """Write raw bytes (or UTF-8 text) to a file in tmp_path."""
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def test_basic_two_columns(tmp_path):
    loaded = load_pairs(write(tmp_path, "Go.\tVa !\nHi.\tSalut !\n"))
    assert isinstance(loaded, PairsFile)
    assert loaded.pairs == [("Go.", "Va !"), ("Hi.", "Salut !")]
    assert loaded.skipped == [] and loaded.total_lines == 2 and loaded.header is None


def test_three_columns_attribution_dropped(tmp_path):
    text = "Go.\tVa !\tCC-BY 2.0 (France) Attribution: tatoeba.org #2877272 (CM) & #1158250 (Wittydev)\n"
    assert load_pairs(write(tmp_path, text)).pairs == [("Go.", "Va !")]


def test_crlf_and_cr_line_endings(tmp_path):
    assert load_pairs(write(tmp_path, "a\tb\r\nc\td\r\n")).pairs == [("a", "b"), ("c", "d")]
    assert load_pairs(write(tmp_path, "a\tb\rc\td\r")).pairs == [("a", "b"), ("c", "d")]
    assert load_pairs(write(tmp_path, "a\tb\r\nc\td")).pairs == [("a", "b"), ("c", "d")]


def test_bom_is_dropped(tmp_path):
    loaded = load_pairs(write(tmp_path, b"\xef\xbb\xbfHello\tBonjour\n"))
    assert loaded.pairs == [("Hello", "Bonjour")]


@pytest.mark.parametrize(
    "header_line", ["english\tfrench", "English\tFrench\tAttribution", "src tgt", "source\ttarget", "en\tfr", "eng\tfra",
                    "id\ten\tfr"]
)
def test_header_auto_detected(tmp_path, header_line):
    loaded = load_pairs(write(tmp_path, f"\ufeff{header_line}\nGo.\tVa !\n"))
    assert loaded.header == header_line
    assert loaded.pairs == [("Go.", "Va !")]
    assert loaded.skipped == []


@pytest.mark.parametrize("first_line", ["Go.\tVa !", "Hello\tBonjour", "No\tNon", "It\tÇa", "In\tDans"])
def test_header_detection_is_conservative(tmp_path, first_line):
    loaded = load_pairs(write(tmp_path, f"{first_line}\nHi.\tSalut.\n"))
    assert loaded.header is None
    assert len(loaded.pairs) == 2


def test_a_header_is_told_by_the_numbers_under_it(tmp_path):
    """Names over a column that holds numbers in every following line: a header, whatever
    the names are. Text columns under names decide nothing (a first pair looks the same)."""
    rows = "".join(f"{i},{i * 7},{str(i * 7)[::-1]},ok\n" for i in range(1, 30))
    loaded = load_pairs(write(tmp_path, "id,number,reversed,comment\n" + rows, "pairs.csv"), columns=(1, 2))
    assert loaded.header == "id,number,reversed,comment" and loaded.pairs[0] == ("7", "7") and not loaded.skipped
    for first_line in ("12,21,x,y", "id,id,a,b", "id,number,rev ersed!,c"):  # numbers; names twice; not a name
        assert load_pairs(write(tmp_path, f"{first_line}\n" + rows, "pairs.csv"), columns=(1, 2)).header is None
    words = "".join(f"cat{i}\tchat{i}\n" for i in range(30))
    assert load_pairs(write(tmp_path, "Hello\tBonjour\n" + words)).header is None
    assert load_pairs(write(tmp_path, "name\tcount\n" + "".join(f"w{i}\t{i}\n" for i in range(9)))).header \
        == "name\tcount"


def test_a_csv_separated_by_semicolons_is_read(tmp_path):
    text = "english;french\n" + "".join(f'"Hi, {i}";"Salut, {i}"\n' for i in range(20)) + "a,b;c\n"
    loaded = load_pairs(write(tmp_path, text, "semi.csv"))
    assert loaded.header == "english;french" and loaded.pairs[0] == ("Hi, 0", "Salut, 0")
    assert loaded.pairs[-1] == ("a,b", "c") and not loaded.skipped
    assert load_pairs(write(tmp_path, "a;b,c\nd,e\n", "comma.csv")).pairs == [("a;b", "c"), ("d", "e")]


def test_header_forced_on_and_off(tmp_path):
    path = write(tmp_path, "english\tfrench\nGo.\tVa !\n")
    assert load_pairs(path, header=False).pairs == [("english", "french"), ("Go.", "Va !")]
    assert load_pairs(write(tmp_path, "A\tB\nGo.\tVa !\n"), header=True).header == "A\tB"


def test_csv_with_quoted_commas_and_header(tmp_path):
    path = write(tmp_path, 'source,target\n"Hello, Tom.","Bonjour, Tom."\nYes,Oui\n', "data.csv")
    loaded = load_pairs(path)
    assert loaded.header == "source,target"
    assert loaded.pairs == [("Hello, Tom.", "Bonjour, Tom."), ("Yes", "Oui")]


def test_csv_line_without_comma(tmp_path):
    loaded = load_pairs(write(tmp_path, "a,b\nlonely\n", "data.csv"))
    assert loaded.skipped == [SkippedLine(2, "no comma separator", "lonely")]


def test_csv_records_over_line_breaks_nul_bytes_and_huge_lines(tmp_path):
    """A quoted CSV field may hold a line break (its pieces were pairs of their own, one fake); a
    quote never closed is one skipped line; a NUL byte past the first 64 KiB, or a 1 MB side,
    skips its line (they were kept, or filled the memory in training)."""
    text = 'a,b\n"multi\nline","multi\nligne"\n"open,quote\nc,d\n' + "".join(f"e{i},f{i}\n" for i in range(25))
    loaded = load_pairs(write(tmp_path, text, "data.csv"))
    assert loaded.pairs[:4] == [("a", "b"), ("multi line", "multi ligne"), ("c", "d"), ("e0", "f0")]
    assert [(s.line, s.reason) for s in loaded.skipped] == [(5, "malformed CSV quoting (a quoted field is not closed)")]
    assert loaded.continuation_lines == 2  # the open quote costs its own line only
    lines = [f"sentence {i}\tphrase {i}" for i in range(4000)]
    lines[3] = "sentence 3\tphrase \x003"  # in the first 64 KiB too: one line, not a binary file
    lines[3000] = "sentence 3000\tphrase 3\x00000"
    lines[3001] = "a" * 1_000_000 + "\tb"
    loaded = load_pairs(write(tmp_path, "\n".join(lines)))
    assert [(s.line, s.reason) for s in loaded.skipped] == [(4, "a NUL byte (binary data)"),
        (3001, "a NUL byte (binary data)"), (3002, "source of 1,000,000 characters, over 2,000 (not one sentence)")]
    assert len(loaded.pairs) == 3997


def test_line_without_tab_is_skipped_with_line_number(tmp_path):
    loaded = load_pairs(write(tmp_path, "a\tb\n\nno tab here\nc\td\n"))
    assert loaded.pairs == [("a", "b"), ("c", "d")]
    assert loaded.skipped == [SkippedLine(3, "no tab separator", "no tab here")]
    assert loaded.total_lines == 4


def test_empty_cells_and_missing_columns(tmp_path):
    loaded = load_pairs(write(tmp_path, "a\t\n\tb\nx\ty\n"))
    assert [(s.line, s.reason) for s in loaded.skipped] == [(1, "empty target"), (2, "empty source")]
    loaded = load_pairs(write(tmp_path, "a\tb\tc\nd\te\n"), columns=(0, 2))
    assert loaded.pairs == [("a", "c")]
    assert [(s.line, s.reason) for s in loaded.skipped] == [(2, "2 columns; column 3 is used")]


def test_columns_swap(tmp_path):
    assert load_pairs(write(tmp_path, "a\tb\n"), columns=(1, 0)).pairs == [("b", "a")]


@pytest.mark.parametrize("columns", [(0, 0), (-1, 1), (0,), "ab"])
def test_bad_columns(tmp_path, columns):
    with pytest.raises(ValueError, match="column"):
        load_pairs(write(tmp_path, "a\tb\n"), columns=columns)


def test_invalid_utf8_line_skipped_and_loading_goes_on(tmp_path):
    loaded = load_pairs(write(tmp_path, b"a\tb\nbad \xff\xfe\tline\nc\td\n"))
    assert loaded.pairs == [("a", "b"), ("c", "d")]
    assert [(s.line, s.reason) for s in loaded.skipped] == [(2, "invalid UTF-8 (Latin-1 or Windows-1252? save the file as UTF-8)")]
    assert loaded.skipped[0].text.startswith("bad ")


def test_preview_is_truncated(tmp_path):
    loaded = load_pairs(write(tmp_path, "x" * 500 + "\n"))
    assert loaded.skipped[0].text == "x" * 80


def test_max_lines(tmp_path):
    loaded = load_pairs(write(tmp_path, "".join(f"{i}\t{i}\n" for i in range(10))), max_lines=3)
    assert len(loaded.pairs) == 3 and loaded.total_lines == 3


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\n\n  \r\n"])
def test_empty_file_is_a_data_error(tmp_path, content):
    path = write(tmp_path, content)
    with pytest.raises(DataError, match=str(path.name)) as error:
        load_pairs(path)
    assert str(error.value).endswith("holds only blank lines" if content.strip() == b"" and len(content) > 3
                                     else "file is empty")


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_pairs(tmp_path / "nope.txt")
    with pytest.raises(DataError, match="directory"):
        load_pairs(tmp_path)


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)


def test_parallel_files(tmp_path):
    src = write(tmp_path, "one\ntwo\n\nfour\n", "en.txt")
    tgt = write(tmp_path, "un\r\ndeux\r\ntrois\r\nquatre", "fr.txt")
    loaded = load_parallel(src, tgt)
    assert loaded.pairs == [("one", "un"), ("two", "deux"), ("four", "quatre")]
    assert [(s.line, s.reason) for s in loaded.skipped] == [(3, "empty source")]
    assert loaded.path == f"{src}::{tgt}"


def test_parallel_files_with_different_counts(tmp_path):
    src = write(tmp_path, "one\ntwo\nthree\n", "en.txt")
    tgt = write(tmp_path, "un\ndeux\n", "fr.txt")
    with pytest.raises(DataError) as error:
        load_parallel(src, tgt)
    message = str(error.value)
    assert "en.txt" in message and "fr.txt" in message and "3" in message and "2" in message


def test_parallel_invalid_utf8(tmp_path):
    src = write(tmp_path, b"one\ntw\xffo\n", "en.txt")
    tgt = write(tmp_path, "un\ndeux\n", "fr.txt")
    loaded = load_parallel(src, tgt)
    assert loaded.pairs == [("one", "un")]
    assert loaded.skipped[0].line == 2 and "invalid UTF-8" in loaded.skipped[0].reason


def physical_lines(data: bytes) -> list[bytes]:
    """Split like the loader: any line ending, no extra line after a final newline."""
    lines = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    return lines[:-1] if lines and lines[-1] == b"" else lines


def is_blank(line: bytes, first: bool) -> bool:
    """Blank the way the loader sees it (a leading BOM does not count)."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if first and text.startswith("\ufeff"):
        text = text[1:]
    return not text.strip()


file_bytes = st.one_of(
    st.binary(max_size=300),
    st.text(alphabet=st.sampled_from(list("ab \t\r\n,\"\ufeff\u202fé")), max_size=200).map(str.encode),
    st.lists(st.sampled_from(["Go.\tVa !", "x", "\t", "a\tb\tc", "", "english\tfrench", "bad\udcff\tbyte"]), max_size=12).map(
        lambda lines: "\n".join(lines).encode("utf-8", errors="surrogateescape")
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=file_bytes, suffix=st.sampled_from([".txt", ".csv", ".tsv"]), header=st.sampled_from([None, True, False]))
def test_loader_never_crashes_and_accounts_for_every_line(tmp_path, data, suffix, header):
    path = write(tmp_path, data, "fuzz" + suffix)
    try:
        loaded = load_pairs(path, header=header)
    except DataError:
        return
    lines = physical_lines(data)
    non_blank = sum(not is_blank(line, i == 0) for i, line in enumerate(lines))
    accounted = len(loaded.pairs) + len(loaded.skipped) + (loaded.header is not None) + loaded.continuation_lines
    assert accounted == non_blank
    assert loaded.total_lines == len(lines)
    assert all(s and t for s, t in loaded.pairs)
    assert all(1 <= s.line <= len(lines) and len(s.text) <= 80 for s in loaded.skipped)


@pytest.mark.shared_data
def test_tatoeba_eng_fra_loads():
    if not ENG_FRA.exists():
        pytest.skip(f"shared data not found at {ENG_FRA} (only present in CI / the dev checkout)")
    loaded = load_pairs(ENG_FRA)
    assert len(loaded.pairs) == 142_787
    assert loaded.skipped == [] and loaded.header is None
    assert loaded.pairs[:2] == [("Go.", "Va !"), ("Run!", "Cours\u202f!")]  # loader does not normalise
