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
    "sentence1", "sentence2",
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


def read_lines(path: str | os.PathLike, *, max_lines: int | None = None) -> tuple[list[str], set[int]]:
    """Read a text file as UTF-8 lines, whatever its line endings.

    Returns ``(lines, invalid)`` where ``invalid`` holds the 0-based indices
    of lines that are not valid UTF-8 (their entry in ``lines`` is a
    lossy preview). A leading BOM is dropped; a final newline does not make
    an extra line. Missing file, directory, unreadable or blank file ->
    ``DataError`` naming the path.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a directory, expected a text file")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise DataError(f"{path}: cannot read ({error.strerror or error})") from None
    invalid: set[int] = set()
    try:
        # Fast path: the whole file is valid UTF-8 (the common case).
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
        raise DataError(f"{path}: file is empty")
    return lines, invalid


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


def _split_csv(line: str, delimiter: str) -> list[str]:
    """Split one CSV line; quoted fields may contain the delimiter."""
    if '"' not in line:
        return line.split(delimiter)  # no quoting: plain split is identical and faster
    return next(csv.reader([line], delimiter=delimiter))


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
    if delimiter is None:
        delimiter = "," if Path(path).suffix.lower() == ".csv" else "\t"
    if not isinstance(delimiter, str) or delimiter == "" or delimiter.isspace() and delimiter != "\t":
        raise ValueError(f"delimiter must be a non-blank string such as '\\t' or ',', got {delimiter!r}")
    use_csv = delimiter == ","
    if use_csv and len(delimiter) != 1:
        raise ValueError(f"a CSV delimiter must be one character, got {delimiter!r}")
    separator_name = _SEPARATOR_NAMES.get(delimiter, repr(delimiter))
    needed_cells = max(source_column, target_column) + 1

    lines, invalid = read_lines(path, max_lines=max_lines)
    pairs: list[tuple[str, str]] = []
    skipped: list[SkippedLine] = []
    header_line: str | None = None
    header_pending = header is not False  # the first non-blank line may be a header

    for index, line in enumerate(lines):
        if index in invalid:
            skipped.append(SkippedLine(index + 1, "invalid UTF-8", line[:_PREVIEW_CHARS]))
            header_pending = False
            continue
        if not line.strip():
            continue
        if header_pending:
            header_pending = False
            if header or looks_like_header(line, delimiter):
                header_line = line
                continue
        if use_csv:
            try:
                cells = _split_csv(line, delimiter)
            except csv.Error:
                skipped.append(SkippedLine(index + 1, "malformed CSV quoting", line[:_PREVIEW_CHARS]))
                continue
        else:
            cells = line.split(delimiter)
        if len(cells) < needed_cells:
            reason = f"no {separator_name} separator" if len(cells) == 1 else f"missing column {len(cells) + 1}"
            skipped.append(SkippedLine(index + 1, reason, line[:_PREVIEW_CHARS]))
            continue
        source = cells[source_column].strip()
        target = cells[target_column].strip()
        if not source or not target:
            reason = "empty source" if not source else "empty target"
            skipped.append(SkippedLine(index + 1, reason, line[:_PREVIEW_CHARS]))
            continue
        pairs.append((source, target))
    return PairsFile(str(path), pairs, skipped, len(lines), header_line)


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
            skipped.append(SkippedLine(index + 1, f"invalid UTF-8 in {side}", preview))
            continue
        source, target = source.strip(), target.strip()
        if not source or not target:
            reason = "empty source and target" if not (source or target) else (
                "empty source" if not source else "empty target"
            )
            skipped.append(SkippedLine(index + 1, reason, preview))
            continue
        pairs.append((source, target))
    return PairsFile(f"{source_path}::{target_path}", pairs, skipped, len(source_lines), None)
