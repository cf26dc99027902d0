"""Loading sentence pairs from files, tolerant of real-world mess.

The main format is the Tatoeba / ManyThings "Anki" export: one pair per
line, ``source<TAB>target[<TAB>attribution]``. Files made by hand come with
CRLF or CR line endings, a UTF-8 BOM, a header line, stray blank lines or
the odd broken line; none of that may crash a load. Bad lines are skipped
and reported with their 1-based line number so a user can fix the file.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path

from playground.data import DataError
from playground.paths import require_regular_file

_BOM = "\ufeff"
_PREVIEW_CHARS = 80
# Human names of common separators, used in skip reasons.
_SEPARATOR_NAMES = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}

# Header auto-detection is deliberately conservative: every cell of the
# first line must be a known column name (a generic role or a language),
# because wrongly eating the first pair is worse than keeping a header.
_GENERIC_COLUMN_NAMES = {
    "source", "target", "src", "tgt", "trg", "input", "output", "question", "answer",
    "query", "text", "translation", "sentence", "prompt", "response", "attribution",
    "license", "licence", "original", "reference", "lang1", "lang2", "text1", "text2",
    "sentence1", "sentence2", "id",
}  # fmt: skip
_LANGUAGE_NAMES = {
    "english", "french", "spanish", "german", "italian", "portuguese", "dutch", "russian",
    "chinese", "mandarin", "japanese", "korean", "arabic", "turkish", "polish", "swedish",
    "finnish", "danish", "norwegian", "greek", "hebrew", "czech", "hungarian", "romanian",
    "ukrainian", "vietnamese", "thai", "indonesian", "hindi", "persian", "esperanto",
    "catalan", "bulgarian", "serbian", "croatian", "latin",
}  # fmt: skip
# ISO 639 codes, minus two-letter ones that are also everyday words (no, it, hi...).
_LANGUAGE_CODES = {
    "en", "fr", "es", "de", "pt", "nl", "ru", "zh", "ja", "ko", "ar", "tr", "pl", "sv",
    "fi", "da", "el", "cs", "hu", "ro", "uk", "vi", "th", "fa", "eo", "ca", "bg", "sr",
    "hr", "eng", "fra", "fre", "spa", "deu", "ger", "ita", "por", "nld", "dut", "rus",
    "zho", "chi", "cmn", "jpn", "kor", "ara", "tur", "pol", "swe", "fin", "dan", "nor",
    "ell", "gre", "heb", "ces", "cze", "hun", "ron", "rum", "ukr", "vie", "tha", "ind",
    "hin", "fas", "per", "epo", "cat", "bul", "srp", "hrv", "lat",
}  # fmt: skip
_COLUMN_NAMES = _GENERIC_COLUMN_NAMES | _LANGUAGE_NAMES | _LANGUAGE_CODES
# Extra words allowed after a column name: "source_text", "en-US", "english sentence".
_COLUMN_NAME_SUFFIXES = {"text", "sentence", "sentences", "lang", "language", "side"}
_COLUMN_NAME_RE = re.compile(r"[a-z][a-z0-9]*(?:[ _-][a-z0-9]+)*")


@dataclass(frozen=True)
class SkippedLine:
    """A line of an input file that could not be used, and why."""

    line: int  # 1-based physical line number in the file
    reason: str  # short fixed phrase, e.g. "no tab separator", "empty target"
    text: str  # first 80 characters of the line, for display


@dataclass
class PairsFile:
    """The result of loading a pairs file: the usable pairs and a report."""

    path: str  # the file as given (for parallel files: "SRC::TGT")
    pairs: list[tuple[str, str]]  # (source, target), cells stripped, not normalised
    skipped: list[SkippedLine]  # unusable non-blank lines, in file order
    total_lines: int  # physical lines read, blank ones and the header included
    header: str | None  # the header line when one was detected/declared
    continuation_lines: int = 0  # non-blank lines that go on a CSV record begun above (a quoted line break)


# Byte-order marks, longest first (the UTF-32-LE mark begins with the UTF-16-LE one).
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32"),
    (b"\xef\xbb\xbf", "utf-8", "UTF-8"),
    (b"\xff\xfe", "utf-16-le", "UTF-16"),
    (b"\xfe\xff", "utf-16-be", "UTF-16"),
)
_BINARY_SNIFF_BYTES = 1 << 16
#: The skip reason of a line that is not UTF-8 (most often Latin-1 / Windows-1252 text).
INVALID_UTF8 = "invalid UTF-8 (Latin-1 or Windows-1252? save the file as UTF-8)"
#: The skip reason of a line holding a NUL byte (the whole-file check only sees the first 64 KiB).
NUL_LINE = "a NUL byte (binary data)"
# A side longer than this is not a sentence (a whole document, a lost line break): skipped with its
# line number. Tatoeba's longest is 360 characters; a 1 MB line would fill the memory in training.
MAX_SIDE_CHARS = 2_000
# A quoted CSV field may hold line breaks; a quote still open after this many lines is a stray one.
_MAX_RECORD_LINES = 20


def decode_text(data: bytes, path) -> tuple[str | None, str]:
    """``data`` of a text file → (text, encoding name) when a byte-order mark names a
    UTF-16/32 encoding (decoded whole, mark dropped), else (None, "UTF-8") for the caller to
    decode line by line. Refuses binary data (NUL bytes, 1 % of the first 64 KiB or beside bytes
    that are not UTF-8, with no UTF-16/32 mark)."""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            if codec == "utf-8":
                break
            try:
                return data[len(bom):].decode(codec), name
            except UnicodeDecodeError as error:
                raise DataError(f"{path}: starts with a {name} byte-order mark but is not valid {name} "
                                f"(byte {error.start + len(bom)})") from None
    head = data[:_BINARY_SNIFF_BYTES]
    nul = head.find(b"\x00")
    # A few NUL bytes in text cost their lines (skipped); many, or with bytes that are not UTF-8, a binary file.
    if nul >= 0 and any(count >= max(4, len(head) / 100) for count in (
            head.count(b"\x00"), head.decode("utf-8", "replace").count("\ufffd"))):
        raise DataError(f"{path}: looks like a binary file (a NUL byte at offset {nul}), not text; "
                        "a text file must be UTF-8 (or UTF-16/32 with a byte-order mark)")
    return None, "UTF-8"


def read_bytes(path: str | os.PathLike) -> bytes:
    """The bytes of a regular file; DataError naming the path for anything else."""
    path = require_regular_file(path, "text file", error=DataError)
    try:
        return path.read_bytes()
    except OSError as error:
        raise DataError(f"{path}: cannot read ({error.strerror or error})") from None


def read_lines(path: str | os.PathLike, *, max_lines: int | None = None) -> tuple[list[str], set[int]]:
    """Read a text file as lines, whatever its line endings.

    UTF-8 unless a byte-order mark says UTF-16 or UTF-32. Returns ``(lines, invalid)``
    where ``invalid`` holds the 0-based indices of lines that are not valid UTF-8 (their
    entry in ``lines`` is a lossy preview). A leading BOM is dropped; a final newline does
    not make an extra line. Missing file, directory, FIFO or device, unreadable, blank or
    binary file (NUL bytes; most lines not UTF-8) -> ``DataError`` naming the path.
    """
    path = Path(path)
    data = read_bytes(path)
    invalid: set[int] = set()
    text, _ = decode_text(data, path)
    try:
        # Fast path: the whole file is valid UTF-8 (the common case).
        if text is None:
            text = data.decode("utf-8")
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    except UnicodeDecodeError:
        # Slow path: decode line by line so one bad line costs one line.
        # Splitting bytes on CR/LF is safe: they never occur inside a UTF-8 sequence.
        lines = []
        for index, raw in enumerate(data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")):
            try:
                lines.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                lines.append(raw.decode("utf-8", errors="replace"))
                invalid.add(index)
        readable = sum(1 for i, line in enumerate(lines) if i not in invalid and line.strip())
        if len(invalid) > readable:
            raise DataError(f"{path}: not UTF-8 text ({len(invalid)} of {len(invalid) + readable} lines are not "
                            "valid UTF-8); a binary file, or text in another encoding (save it as UTF-8)")
    if lines and lines[-1] == "":
        lines.pop()  # the empty "line" after a final newline
    if lines and lines[0].startswith(_BOM) and 0 not in invalid:
        lines[0] = lines[0][1:]
    if max_lines is not None:
        if max_lines < 1:
            raise ValueError(f"max_lines must be a positive integer or None, got {max_lines}")
        lines = lines[:max_lines]
        invalid = {i for i in invalid if i < max_lines}
    if not invalid and not any(line.strip() for line in lines):
        raise DataError(f"{path}: " + ("holds only blank lines" if any(lines) or len(lines) > 1 else "file is empty"))
    return lines, invalid


def sniff_lines(path: str | os.PathLike, size: int = 65536) -> list[str]:
    """The first lines of a text file (UTF-16/32 by byte-order mark, else UTF-8), for format
    guesses; the last one is dropped when the read limit may have cut it."""
    path = require_regular_file(path, "text file", error=DataError)
    try:
        with open(path, "rb") as handle:
            head = handle.read(size)
    except OSError as error:
        raise DataError(f"{path}: cannot read ({error.strerror or error})") from None
    for bom, codec, _ in _BOMS:
        if head.startswith(bom) and codec != "utf-8":
            text = head[len(bom):].decode(codec, errors="ignore")  # a code unit may be cut at the end
            break
    else:
        text = head.decode("utf-8", errors="replace")
    lines = text.replace("\r", "\n").split("\n")
    if len(head) == size and len(lines) > 1:
        lines.pop()
    return lines


def _is_column_name(cell: str) -> bool:
    """True for "english", "src", "target_text", "en-US", "lang1"..."""
    if not _COLUMN_NAME_RE.fullmatch(cell):
        return False
    first, *rest = re.split(r"[ _-]", cell)
    return first in _COLUMN_NAMES and all(
        part in _COLUMN_NAMES or part in _COLUMN_NAME_SUFFIXES or len(part) == 2 for part in rest
    )


def looks_like_header(line: str, delimiter: str) -> bool:
    """Guess whether ``line`` names columns ("english\\tfrench", "src tgt")."""
    cells = line.split(delimiter) if delimiter in line else line.split()
    cells = [cell.strip().strip('"').strip().lower() for cell in cells]
    return 2 <= len(cells) <= 4 and all(_is_column_name(cell) for cell in cells)


def numbered_columns(line: str, delimiter: str) -> bool:
    """True for a first line that only numbers the columns: "1<TAB>2", "0,1", "1 2 3"."""
    cells = line.split(delimiter) if delimiter in line else line.split()
    cells = [cell.strip().strip('"') for cell in cells]
    if not 2 <= len(cells) <= 4 or not all(cell.isdigit() for cell in cells):
        return False
    numbers = [int(cell) for cell in cells]
    return numbers[0] in (0, 1) and numbers == list(range(numbers[0], numbers[0] + len(numbers)))


_NUMBER = re.compile(r"\s*[-+]?[\d.,:/ -]*\d[\d.,:/ -]*\s*")
_NAME = re.compile(r"\s*[A-Za-z][\w .()-]{0,39}\s*")


def typed_header(line: str, following: list[str], delimiter: str) -> bool:
    """Whether ``line`` names columns by the data under it: every cell a short name, and some
    column holds numbers in each of the next lines but a name here ("id,number,reversed" above
    "1,12345,54321"). Text-only columns decide nothing: their names look like data."""
    def cells(text):
        return [cell.strip().strip('"') for cell in _split_csv(text, delimiter)]

    try:
        names = cells(line)
        rows = [cells(text) for text in following if text.strip()][:20]
    except csv.Error:
        return False
    if len(names) < 2 or len(set(names)) < len(names) or not all(_NAME.fullmatch(n) for n in names) or not rows:
        return False
    return any(all(len(row) > column and _NUMBER.fullmatch(row[column]) for row in rows)
               for column in range(len(names)))


def _mostly_numeric(lines: list[str], delimiter: str) -> bool:
    """Whether most of the first non-blank ``lines`` hold only numbers (then "1<TAB>2" is data)."""
    sample = [line for line in lines[:200] if line.strip()][:20]
    numeric = sum(all(re.fullmatch(r"[\s\d+\-.,:/]*", cell) for cell in line.split(delimiter)) for line in sample)
    return numeric * 2 > len(sample)


def _check_columns(columns: tuple[int, int]) -> tuple[int, int]:
    """Validate a (source, target) column pair; ValueError explains the rule."""
    try:
        source_column, target_column = columns
    except (TypeError, ValueError):
        raise ValueError(f"columns must be two column indices (source, target), got {columns!r}") from None
    for column in (source_column, target_column):
        if not isinstance(column, int) or isinstance(column, bool) or column < 0:
            raise ValueError(f"columns must be non-negative integers (0 = first column), got {columns!r}")
    if source_column == target_column:
        raise ValueError(f"source and target columns must differ, got {columns!r}")
    return source_column, target_column


def _csv_separator(lines: list[str]) -> str:
    """A .csv file's separator: ";" (as spreadsheets write it where "," is the decimal mark)
    when more of the first lines split on it than on ",", else ","."""
    sample = [line for line in lines[:200] if line.strip()][:50]
    def splits(separator):
        try:
            return sum(len(_split_csv(line, separator)) > 1 for line in sample)
        except csv.Error:
            return 0
    return ";" if splits(";") > splits(",") else ","


def _split_csv(line: str, delimiter: str) -> list[str]:
    """Split one CSV line; quoted fields may contain the delimiter."""
    if '"' not in line:
        return line.split(delimiter)  # no quoting: plain split is identical and faster
    return next(csv.reader([line], delimiter=delimiter))


def _open_quote(record: str, delimiter: str) -> bool:
    """Whether ``record`` ends inside a quoted field (it goes on on the next line)."""
    if '"' not in record:
        return False  # the common line: no parse needed
    try:
        next(csv.reader([record], delimiter=delimiter, strict=True))
    except csv.Error as error:
        return "unexpected end of data" in str(error)
    return False


def _csv_record(lines: list[str], index: int, delimiter: str) -> tuple[list[str], int] | None:
    """The cells of the CSV record that starts on ``lines[index]`` and the index of its last line
    (a quoted field may hold line breaks: they become spaces); None when a quote opened there is
    not closed within _MAX_RECORD_LINES lines. Raises csv.Error for other malformed quoting."""
    record, last = lines[index], index
    while _open_quote(record, delimiter):
        if last + 1 >= len(lines) or last - index + 1 >= _MAX_RECORD_LINES:
            return None
        last += 1
        record += "\n" + lines[last]
    cells = _split_csv(record, delimiter)
    return ([" ".join(cell.split()) for cell in cells] if last > index else cells), last


def load_pairs(
    path: str | os.PathLike,
    *,
    columns: tuple[int, int] = (0, 1),
    delimiter: str | None = None,
    header: bool | None = None,
    max_lines: int | None = None,
) -> PairsFile:
    """Load (source, target) pairs from a delimited text file.

    ``columns`` picks the source and target columns (extra columns such as
    Tatoeba's attribution are ignored). ``delimiter`` None means: comma with
    CSV quoting for ``.csv``, tab otherwise. ``header`` None auto-detects a
    header line, True/False forces it. ``max_lines`` limits the physical
    lines read. Blank lines are ignored; other unusable lines are reported
    in ``skipped``. See ``read_lines`` for the errors raised.
    """
    source_column, target_column = _check_columns(columns)
    lines, invalid = read_lines(path, max_lines=max_lines)
    if delimiter is None:
        delimiter = _csv_separator(lines) if Path(path).suffix.lower() == ".csv" else "\t"
    if not isinstance(delimiter, str) or delimiter == "" or delimiter.isspace() and delimiter != "\t":
        raise ValueError(f"delimiter must be a non-blank string such as '\\t' or ',', got {delimiter!r}")
    use_csv = delimiter in (",", ";")
    if use_csv and len(delimiter) != 1:
        raise ValueError(f"a CSV delimiter must be one character, got {delimiter!r}")
    separator_name = _SEPARATOR_NAMES.get(delimiter, repr(delimiter))
    needed_cells = max(source_column, target_column) + 1

    pairs: list[tuple[str, str]] = []
    skipped: list[SkippedLine] = []
    header_line: str | None = None
    header_pending = header is not False  # the first non-blank line may be a header

    inside_record_until = -1  # the last line of a CSV record that spans several lines
    continuation = 0
    for index, line in enumerate(lines):
        if index <= inside_record_until:
            continue
        if index in invalid:
            skipped.append(SkippedLine(index + 1, INVALID_UTF8, line[:_PREVIEW_CHARS]))
            header_pending = False
            continue
        if not line.strip():
            continue
        if "\x00" in line:
            skipped.append(SkippedLine(index + 1, NUL_LINE, line.replace("\x00", "")[:_PREVIEW_CHARS]))
            continue
        if header_pending:
            header_pending = False
            if header or (header is None and (looks_like_header(line, delimiter) or typed_header(
                    line, lines[index + 1:index + 41], delimiter) or (
                    numbered_columns(line, delimiter) and not _mostly_numeric(lines[index + 1:], delimiter)))):
                header_line = line
                continue
        if use_csv:
            try:
                record = _csv_record(lines, index, delimiter)
            except csv.Error:
                record = None
            if record is None:
                reason = ("malformed CSV quoting (a quoted field is not closed)" if _open_quote(line, delimiter)
                          else "malformed CSV quoting")
                skipped.append(SkippedLine(index + 1, reason, line[:_PREVIEW_CHARS]))
                continue
            cells, inside_record_until = record
            continuation += sum(1 for text in lines[index + 1:inside_record_until + 1] if text.strip())
        else:
            cells = line.split(delimiter)
        if len(cells) < needed_cells:
            reason = (f"no {separator_name} separator" if len(cells) == 1 else
                      f"{len(cells)} columns; column {needed_cells} is used")
            skipped.append(SkippedLine(index + 1, reason, line[:_PREVIEW_CHARS]))
            continue
        source = cells[source_column].strip()
        target = cells[target_column].strip()
        reason = _unusable(source, target)
        if reason:
            skipped.append(SkippedLine(index + 1, reason, line[:_PREVIEW_CHARS]))
            continue
        pairs.append((source, target))
    return PairsFile(str(path), pairs, skipped, len(lines), header_line, continuation)


def _unusable(source: str, target: str) -> str | None:
    """Why a (stripped) pair cannot be trained on, or None."""
    if not source or not target:
        return "empty source and target" if not (source or target) else (
            "empty source" if not source else "empty target")
    for side, text in (("source", source), ("target", target)):
        if len(text) > MAX_SIDE_CHARS:
            return f"{side} of {len(text):,} characters, over {MAX_SIDE_CHARS:,} (not one sentence)"
    return None


def load_parallel(source_path: str | os.PathLike, target_path: str | os.PathLike) -> PairsFile:
    """Load pairs from two files with one sentence per line, aligned by line.

    Different line counts -> ``DataError`` naming both files and counts
    (the alignment would be meaningless). Lines where either side is blank
    or not valid UTF-8 are skipped with their line number.
    """
    source_lines, source_invalid = read_lines(source_path)
    target_lines, target_invalid = read_lines(target_path)
    if len(source_lines) != len(target_lines):
        raise DataError(
            f"parallel files differ in length: {source_path} has {len(source_lines)} lines, "
            f"{target_path} has {len(target_lines)}"
        )
    pairs: list[tuple[str, str]] = []
    skipped: list[SkippedLine] = []
    for index, (source, target) in enumerate(zip(source_lines, target_lines)):
        preview = f"{source}\t{target}"[:_PREVIEW_CHARS]
        if index in source_invalid or index in target_invalid:
            side = "source" if index in source_invalid else "target"
            skipped.append(SkippedLine(index + 1, f"{INVALID_UTF8} in {side}", preview))
            continue
        if "\x00" in source or "\x00" in target:
            skipped.append(SkippedLine(index + 1, NUL_LINE, preview.replace("\x00", "")))
            continue
        source, target = source.strip(), target.strip()
        reason = _unusable(source, target)
        if reason:
            skipped.append(SkippedLine(index + 1, reason, preview))
            continue
        pairs.append((source, target))
    return PairsFile(f"{source_path}::{target_path}", pairs, skipped, len(source_lines), None)
