"""Bounds on what one request may ask for, and the checks that enforce them (no TensorFlow).

Every decode and generation is bounded whatever the input: a request past these limits is
refused with a message naming the parameter, never left to run for minutes.
"""

from __future__ import annotations

import math
import re

import numpy as np

MAX_GENERATED_TOKENS = 10_000  # one generation call (text or music)
MAX_BARS = 512.0  # music generation, in bars
MAX_BEAM_WIDTH = 64
DEFAULT_LENGTH_PENALTY = 0.6  # beam search's GNMT length penalty exponent
MAX_SENTENCES = 64  # pieces of one over-long input translated one by one
MAX_STDIN_LINE_CHARS = 100_000  # one line read from standard input
MAX_TASK_SIZE = 1_000_000  # pairs generated for a built-in task (the app's field allows as many)
_SENTENCE_END = re.compile(r"(?<=[.!?;:。！？])\s+")


class InputTooLong(ValueError):
    """An input longer than the model can translate; the message says the limit and
    ``index`` which of the texts given to ``translate`` it is."""

    index: int = 0


def sentence_pieces(text: str, count_tokens, max_tokens: int, max_source_length: int, level: str) -> list[str]:
    """``text`` as pieces a model can take: itself when ``count_tokens(text)`` is at most
    ``max_tokens``, else its sentences. Raises InputTooLong when a sentence alone is over the
    limit or there are more than MAX_SENTENCES (the app, the CLI and the exports alike)."""
    if count_tokens(text) <= max_tokens:
        return [text]
    pieces = [p for p in _SENTENCE_END.split(text.strip()) if p.strip()]
    if len(pieces) > MAX_SENTENCES or max(count_tokens(p) for p in pieces) > max_tokens:
        unit = {"char": "characters", "word": "words"}.get(level, "pieces")
        raise InputTooLong(
            f"input too long: {count_tokens(text):,} {unit}; this model was trained on inputs of "
            f"up to {max_source_length} {unit} and translates at most {max_tokens} at "
            f"once (longer text is translated sentence by sentence, up to {MAX_SENTENCES} sentences)")
    return pieces


def _is_whole(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_sampling(*, length: int | None = None, temperature: float = 1.0, top_k: int = 0,
                   top_p: float = 1.0) -> None:
    """ValueError naming the parameter for values that make no sense."""
    if length is not None and (not _is_whole(length) or not 1 <= length <= MAX_GENERATED_TOKENS):
        raise ValueError(f"length must be a whole number from 1 to {MAX_GENERATED_TOKENS:,}, got {length!r}")
    if not (isinstance(temperature, (int, float)) and math.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature must be a positive number, got {temperature!r}")
    if not _is_whole(top_k) or top_k < 0:
        raise ValueError(f"top_k must be a whole number >= 0 (0 = off), got {top_k!r}")
    if not (isinstance(top_p, (int, float)) and 0 < top_p <= 1):
        raise ValueError(f"top_p must be in (0, 1], got {top_p!r}")


def check_beam(beam_width, n_best) -> None:
    """ValueError naming the parameter unless both are whole numbers in 1..MAX_BEAM_WIDTH."""
    for name, value in (("beam_width", beam_width), ("n_best", n_best)):
        if not _is_whole(value) or not 1 <= value <= MAX_BEAM_WIDTH:
            raise ValueError(f"{name} must be a whole number from 1 to {MAX_BEAM_WIDTH}, got {value!r}")


def max_input_tokens(max_source_length: int) -> int:
    """The longest input translated at once: inputs far longer than any seen in training give
    garbage and cost time and memory, so twice the longest training input (at least 32)."""
    return max(2 * int(max_source_length), 32)


def output_length(max_target_length: int, source_width: int) -> int:
    """Output tokens a decode allows for sources ``source_width`` tokens wide: room for outputs
    a little longer than any seen in training (``max_target_length``), never over
    MAX_GENERATED_TOKENS (a crafted model file could claim 10^9)."""
    return min(int(max(max(int(max_target_length), 1), int(source_width)) * 1.5) + 2, MAX_GENERATED_TOKENS)


def check_texts(texts, what: str = "texts") -> list[str]:
    """``texts`` as a list of strings. A bare string is refused: iterated, it would be
    translated one character at a time."""
    if isinstance(texts, (str, bytes)):
        raise TypeError(f"{what} must be a list of strings, got one string; write [{texts[:30]!r}]")
    try:
        texts = list(texts)
    except TypeError:
        raise TypeError(f"{what} must be a list of strings, got {type(texts).__name__}") from None
    for number, text in enumerate(texts):
        check_text(text, f"{what}[{number}]")
    return texts


def check_text(text, what: str = "seed_text") -> str:
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a string, got {type(text).__name__} {text!r}")
    return text


def joined_tokens(token_lists: list[list[str]], level: str) -> list[str]:
    """Consecutive sentences' tokens as one list (a space between them at char level)."""
    gap = [" "] if level == "char" else []
    return [token for i, tokens in enumerate(token_lists) for token in (gap if i else []) + list(tokens)]


def check_tokens(tokens, what: str = "seed_tokens") -> list[str]:
    """Seed tokens as a list of strings (None: none); a bare string would be split into characters."""
    if tokens is None:
        return []
    return check_texts(tokens, what)


def at_most(items: list, count: int | None, sample: str, seed: int) -> list:
    """``count`` of ``items`` (all when None): the first, or (``sample`` "random") a seeded
    choice kept in file order. The seed stream differs from the split's, so sampling and
    splitting are independent (pairs, text and tunes alike)."""
    if count is None or len(items) <= count:
        return items
    if sample == "first":
        return items[:count]
    chosen = np.random.default_rng([seed, 1]).choice(len(items), count, replace=False)
    return [items[i] for i in np.sort(chosen)]
