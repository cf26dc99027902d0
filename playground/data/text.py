"""Text normalisation and tokenisation shared by every data source.

Everything here is plain Python so that the exact same rules can be
mirrored inside a TensorFlow graph by the tf.data pipeline: the unicode
clean-up is published as an ordered table of (regex, replacement) pairs
(``UNICODE_REPLACEMENTS``) and word splitting as one regex
(``WORD_PATTERN``). The patterns avoid Python-only regex features so that
they also compile under RE2 (``tf.strings.regex_replace``).

Caveat for the TF mirror: in Python ``\\w`` is Unicode-aware, in RE2 it is
ASCII-only, so a graph version of ``WORD_PATTERN`` must spell ``\\w`` as
``[\\p{L}\\p{N}_]`` to split accented words the same way. A word also holds the
combining marks inside it (Hindi vowel signs, Thai tone marks, a decomposed accent),
which Python's ``\\w`` leaves out: ``\\p{M}`` in the graph.
"""

from __future__ import annotations

import functools
import re
import unicodedata

#: Token granularities a model can work at.
LEVELS = ("char", "word", "subword")
# Subword pieces mark a word start with this character (SentencePiece's "▁").
SUBWORD_SPACE = "\u2581"

# Characters folded by the unicode clean-up (shared by the regex table and
# the fast path in ``normalize`` so the two cannot drift apart).
_ODD_SPACES = "\u202f\u00a0\u2009\u2007"  # narrow no-break (French "!"/"?"), no-break, thin, figure
_CURLY_SINGLE_QUOTES = "\u2018\u2019"  # ‘ ’
_CURLY_DOUBLE_QUOTES = "\u201c\u201d"  # “ ”
_ASCII_WHITESPACE = " \t\n\r\f\v"  # spelled out: \s means different things in Python and RE2

# Ordered (pattern, replacement) pairs applied after NFC when
# ``normalize(..., unicode=True)``. The characters are literal in the
# pattern strings (no ``\u`` escapes) so RE2 reads them the same way.
UNICODE_REPLACEMENTS: list[tuple[str, str]] = [
    (f"[{_ODD_SPACES}]", " "),
    (f"[{_CURLY_SINGLE_QUOTES}]", "'"),
    (f"[{_CURLY_DOUBLE_QUOTES}]", '"'),
    (f"[{_ASCII_WHITESPACE}]+", " "),  # collapse whitespace runs
    ("^ | $", ""),  # strip the space the previous rule may leave at either end
]

# Fast path equivalent to the first three table rows (tests check equivalence).
_CHAR_FOLDS = str.maketrans(
    {**dict.fromkeys(_ODD_SPACES, " "), **dict.fromkeys(_CURLY_SINGLE_QUOTES, "'"),
     **dict.fromkeys(_CURLY_DOUBLE_QUOTES, '"')}
)  # fmt: skip
_FOLDABLE = re.compile(f"[{_ODD_SPACES}{_CURLY_SINGLE_QUOTES}{_CURLY_DOUBLE_QUOTES}]")
_WHITESPACE_RUN = re.compile(f"[{_ASCII_WHITESPACE}]+")
_NEEDS_COLLAPSE = re.compile(f"[{_ASCII_WHITESPACE}]{{2}}|[\t\n\r\f\v]")

#: A word is a run of word characters (and combining marks: ``_word_re``); every other
#: non-space char stands alone.
WORD_PATTERN = r"\w+|[^\w\s]"


def _is_mark(char: str) -> bool:
    """A combining mark (Unicode category M*): part of the word it follows."""
    return unicodedata.category(char)[0] == "M"


@functools.lru_cache(maxsize=1)
def _word_re() -> re.Pattern:
    """WORD_PATTERN with every combining mark counted as a word character (the class of mark
    ranges is built on first use: 40 ms)."""
    ranges, start = [], None
    for code in [*range(0x300, 0x20000), *range(0xE0100, 0xE01F0)]:
        mark = _is_mark(chr(code))
        if mark and start is None:
            start = code
        elif not mark and start is not None:
            ranges.append(f"\\U{start:08x}-\\U{code - 1:08x}")
            start = None
    marks = "".join(ranges)
    return re.compile(rf"[\w{marks}]+|[^\w\s{marks}]")


# Detokenisation (word level): which tokens join their left neighbour with no space. The
# same rules run as graph ops in a SavedModel (playground.export), so they are token tests,
# not regexes over the text.
CLOSING = (".", ",", "!", "?", ";", ":", ")", "]", "}", "%", "…", "।", "॥", "。", "、", "，", "！", "？")  # no space before
OPENING = ("(", "[", "{", "$", "£", "¥")  # no space after
JOINERS = ("'", "-", "/")  # no space on either side between two words: don't, forty-three, and/or
NUMBER_JOINERS = (".", ",", ":")  # between two numbers: 5.50, 1,000, 10:30
QUOTE = '"'  # odd ones open (no space after), even ones close (no space before)


def _check_level(level: str) -> None:
    """Raise a ValueError naming the valid levels when ``level`` is unknown."""
    if level not in LEVELS:
        raise ValueError(f"unknown token level {level!r}; valid levels: {', '.join(LEVELS)}")


def normalize(text: str, *, lowercase: bool = False, unicode: bool = True) -> str:
    """Return ``text`` cleaned up for training.

    With ``unicode`` (the default): NFC composition, exotic spaces become
    plain spaces, typographic quotes become ASCII quotes, whitespace runs
    collapse to one space and the ends are stripped. ``lowercase`` applies
    ``str.lower()`` last. With ``unicode=False`` the text is left as is
    (apart from lowercasing) so a user can study the raw data.
    """
    if unicode:
        # Same result as applying UNICODE_REPLACEMENTS in order, but several
        # times faster on the common already-clean sentence.
        if not text.isascii():  # ASCII is already NFC and has nothing to fold
            text = unicodedata.normalize("NFC", text)
            if _FOLDABLE.search(text):
                text = text.translate(_CHAR_FOLDS)
        if _NEEDS_COLLAPSE.search(text):
            text = _WHITESPACE_RUN.sub(" ", text)
        if text[:1] == " ":
            text = text[1:]
        if text[-1:] == " ":
            text = text[:-1]
    if lowercase:
        text = text.lower()
    return text


def tokenize(text: str, level: str) -> list[str]:
    """Split ``text`` into tokens: characters (spaces included) or words.

    Word level keeps punctuation as separate tokens, so "don't" becomes
    ``["don", "'", "t"]``; ``detokenize`` glues it back.
    """
    _check_level(level)
    if level == "char":
        return list(text)
    if level == "subword":
        raise ValueError("subword pieces come from a trained SentencePiece model: use Vocabulary.split(text)")
    return _word_re().findall(text)


def detokenize(tokens: list[str], level: str) -> str:
    """Join tokens back into a readable string.

    Char level is the exact inverse of ``tokenize``; subword level joins pieces, "▁" as a
    space (the inverse of the vocabulary's ``split``). Word level joins with spaces except
    where :func:`glued_left` says a token joins its left neighbour ("forty-three",
    "don't", "$5.50", "(yes)", '"Hi," he said.').
    """
    _check_level(level)
    if level == "char":
        return "".join(tokens)
    if level == "subword":  # what SentencePiece's decode does without byte fallback
        text = "".join(tokens).replace(SUBWORD_SPACE, " ")
        return text[1:] if text[:1] == " " else text
    return "".join(token if glue else " " + token for token, glue in zip(tokens, glued_left(tokens)))


def _wordlike(token: str, at: int) -> bool:
    return bool(token) and (token[at].isalnum() or token[at] == "_" or _is_mark(token[at]))


def _number(token: str) -> bool:
    return token.isascii() and token.isdigit()


def glued_left(tokens: list[str]) -> list[bool]:
    """Word tokens → for each, whether it joins the token before it with no space (the first: True)."""
    glued = [i == 0 for i in range(len(tokens))]
    quotes = 0
    for i, token in enumerate(tokens):
        before = tokens[i - 1] if i else ""
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token == QUOTE:
            quotes += 1
            if quotes % 2:  # opening: the next token joins it
                if after:
                    glued[i + 1] = True
            else:
                glued[i] = True
        if token in CLOSING or before in OPENING:
            glued[i] = True
        if token in JOINERS and _wordlike(before, -1) and _wordlike(after, 0):
            glued[i] = glued[i + 1] = True
        if token in NUMBER_JOINERS and _number(before) and _number(after):
            glued[i] = glued[i + 1] = True
    return glued
