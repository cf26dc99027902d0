"""Plain text for language models: one item per line, or fixed windows.

Short-line files (sentences, proverbs, titles) are used line by line;
running prose (long paragraphs) is cut into windows of a few dozen
characters, preferably at word boundaries, so every item fits a model.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from playground.data import DataError
from playground.data.pairs import NUL_LINE, SkippedLine, read_lines

#: The built-in sample the project ships (original text written for it).
BUILTIN_TEXT_PATH = Path(__file__).resolve().parents[2] / "assets" / "text" / "sample.txt"

#: Valid values of ``load_text(mode=...)``.
TEXT_MODES = ("auto", "lines", "windows")
# "auto" picks lines when more than half the non-blank lines are shorter than this.
_SHORT_LINE = 200
_MIN_WINDOW = 8
_PREVIEW_CHARS = 80


@dataclass
class TextFile:
    """The result of loading a text file for a language model."""

    path: str  # the file as given
    items: list[str]  # training items (lines or windows), non-empty, stripped
    skipped: list[SkippedLine]  # lines that could not be read (invalid UTF-8)
    mode_used: str  # "lines" or "windows" (what "auto" resolved to)


def cut_windows(text: str, window: int) -> list[str]:
    """Cut running text into pieces of at most ``window`` characters.

    A piece ends at the last space inside the window when there is one, so
    words stay whole; a single word longer than the window is cut hard.
    """
    items: list[str] = []
    position, length = 0, len(text)
    while position < length:
        while position < length and text[position] == " ":
            position += 1  # never start a window with a space
        if position >= length:
            break
        end = position + window
        if end >= length:
            items.append(text[position:].rstrip())
            break
        cut = end if text[end] == " " else text.rfind(" ", position + 1, end)
        if cut <= position:
            cut = end  # no space in the window: hard cut inside a long word
        items.append(text[position:cut].rstrip())
        position = cut
    return [item for item in items if item]


def load_text(
    path: str | os.PathLike,
    *,
    mode: str = "auto",
    window: int = 64,
    max_lines: int | None = None,
) -> TextFile:
    """Load a text file as language-model items.

    ``mode``: "lines" (one item per non-blank line), "windows" (all text
    joined and cut into ``window``-character pieces) or "auto" (lines when
    most lines are shorter than 200 characters). Lines that are not valid
    UTF-8 are skipped and reported. Missing or empty file -> ``DataError``.
    """
    if mode not in TEXT_MODES:
        raise ValueError(f"unknown text mode {mode!r}; valid modes: {', '.join(TEXT_MODES)}")
    if not isinstance(window, int) or window < _MIN_WINDOW:
        raise ValueError(f"window must be an integer >= {_MIN_WINDOW} characters, got {window!r}")
    lines, invalid = read_lines(path, max_lines=max_lines)
    binary = {i for i, line in enumerate(lines) if "\x00" in line and i not in invalid}
    skipped = sorted([SkippedLine(i + 1, "invalid UTF-8", lines[i][:_PREVIEW_CHARS]) for i in invalid]
                     + [SkippedLine(i + 1, NUL_LINE, lines[i].replace("\x00", "")[:_PREVIEW_CHARS])
                        for i in binary], key=lambda s: s.line)
    kept = [line.strip() for i, line in enumerate(lines) if i not in invalid and i not in binary and line.strip()]
    if not kept:
        raise DataError(f"{path}: no readable text (all lines are blank or invalid UTF-8)")
    if mode == "auto":
        short = sum(1 for line in kept if len(line) < _SHORT_LINE)
        mode = "lines" if short * 2 > len(kept) else "windows"
    if mode == "lines":
        items = kept
    else:
        items = cut_windows(" ".join(" ".join(line.split()) for line in kept), window)
    return TextFile(str(path), items, skipped, mode)
