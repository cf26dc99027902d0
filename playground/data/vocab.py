"""Token <-> id mapping with four fixed special tokens.

The specials always take ids 0-3 so that models, the tf.data pipeline and
saved checkpoints can rely on them without consulting the vocabulary.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

from playground.data.subword import SubwordError, SubwordTokenizer
from playground.data.text import LEVELS, detokenize, tokenize

PAD, START, END, UNK = "<pad>", "<s>", "</s>", "<unk>"
PAD_ID, START_ID, END_ID, UNK_ID = 0, 1, 2, 3
#: The specials in id order.
SPECIALS = (PAD, START, END, UNK)


class Vocabulary:
    """An ordered token list: id ``i`` is ``tokens[i]``, specials first.

    Immutable by convention (nothing mutates it after construction), so it
    is hashable and safe to share between the trainer and the UI.
    """

    def __init__(self, tokens: list[str], level: str, tokenizer: SubwordTokenizer | None = None) -> None:
        """Create a vocabulary from ``tokens`` (no specials) in id order from 4; a subword
        vocabulary also holds the SentencePiece model that splits text into its tokens."""
        if level not in LEVELS:
            raise ValueError(f"unknown token level {level!r}; valid levels: {', '.join(LEVELS)}")
        if (level == "subword") != (tokenizer is not None):
            raise ValueError("a subword vocabulary needs its SentencePiece model (and only it has one)")
        self.tokenizer = tokenizer
        tokens = list(tokens)
        for token in tokens:
            if not isinstance(token, str) or token == "":
                raise ValueError(f"vocabulary tokens must be non-empty strings, got {token!r}")
            if token in SPECIALS:
                raise ValueError(
                    f"token {token!r} is a special token; pass only ordinary tokens "
                    f"(specials {', '.join(SPECIALS)} are added automatically)"
                )
        self._tokens: list[str] = list(SPECIALS) + tokens
        self._ids: dict[str, int] = {tok: i for i, tok in enumerate(self._tokens)}
        if len(self._ids) != len(self._tokens):
            seen: set[str] = set()
            duplicate = next(t for t in self._tokens if t in seen or seen.add(t))
            raise ValueError(f"duplicate token {duplicate!r} in vocabulary")
        self.level = level

    @classmethod
    def build(
        cls,
        token_lists: Iterable[list[str]],
        level: str,
        *,
        max_size: int | None = None,
        min_freq: int = 1,
    ) -> "Vocabulary":
        """Count tokens and keep the most frequent ones.

        Ties are broken by the token string so the result never depends on
        input order. ``max_size`` includes the four specials; tokens seen
        fewer than ``min_freq`` times are left out (they become ``<unk>``).
        """
        if max_size is not None and max_size < len(SPECIALS):
            raise ValueError(f"max_size must be at least {len(SPECIALS)} (the special tokens), got {max_size}")
        if min_freq < 1:
            raise ValueError(f"min_freq must be >= 1, got {min_freq}")
        counts: Counter[str] = Counter()
        for tokens in token_lists:
            counts.update(tokens)
        for special in SPECIALS:
            counts.pop(special, None)  # a literal "<unk>" in data maps to the special
        kept = sorted((tok for tok, c in counts.items() if c >= min_freq), key=lambda t: (-counts[t], t))
        if max_size is not None:
            kept = kept[: max_size - len(SPECIALS)]
        return cls(kept, level)

    @classmethod
    def from_tokenizer(cls, tokenizer: SubwordTokenizer) -> "Vocabulary":
        """A subword vocabulary: every piece of ``tokenizer`` (a piece spelling one of our
        specials is dropped: such text maps to the special, as at the other levels)."""
        return cls([p for p in tokenizer.pieces() if p not in SPECIALS], "subword", tokenizer)

    def split(self, text: str) -> list[str]:
        """Normalised ``text`` → tokens at this vocabulary's level."""
        if self.tokenizer is not None:
            return self.tokenizer.split(text)
        return tokenize(text, self.level)

    def join(self, tokens: list[str]) -> str:
        """Tokens → readable text (the inverse of :meth:`split`)."""
        return detokenize(tokens, self.level)

    def __len__(self) -> int:
        """Number of ids, specials included."""
        return len(self._tokens)

    def __contains__(self, token: object) -> bool:
        """True when ``token`` has its own id (specials included)."""
        return token in self._ids

    def __eq__(self, other: object) -> bool:
        """Equal when the level and the id order match."""
        if not isinstance(other, Vocabulary):
            return NotImplemented
        return self.level == other.level and self._tokens == other._tokens and self.tokenizer == other.tokenizer

    def __hash__(self) -> int:
        """Hash consistent with ``__eq__``."""
        return hash((self.level, tuple(self._tokens), self.tokenizer))

    def __repr__(self) -> str:
        """Short summary: level, size and the first few ordinary tokens."""
        head = self._tokens[len(SPECIALS) : len(SPECIALS) + 8]
        return f"Vocabulary(level={self.level!r}, size={len(self)}, first={head!r})"

    @property
    def tokens(self) -> list[str]:
        """All tokens in id order, specials included (a copy)."""
        return list(self._tokens)

    def token_to_id(self, token: str) -> int:
        """Id of ``token``; ``UNK_ID`` when it is not in the vocabulary."""
        return self._ids.get(token, UNK_ID)

    def id_to_token(self, token_id: int) -> str:
        """Token for ``token_id``; ValueError naming the valid range otherwise."""
        index = int(token_id)
        if not 0 <= index < len(self._tokens):
            raise ValueError(f"token id {index} out of range; valid ids: 0..{len(self._tokens) - 1}")
        return self._tokens[index]

    def encode(self, tokens: Iterable[str], *, add_start: bool = False, add_end: bool = False) -> list[int]:
        """Map tokens to ids (unknown -> ``UNK_ID``), optionally framed by <s> / </s>."""
        return self.encode_with_unknowns(tokens, add_start=add_start, add_end=add_end)[0]

    def encode_with_unknowns(
        self, tokens: Iterable[str], *, add_start: bool = False, add_end: bool = False
    ) -> tuple[list[int], list[str]]:
        """Like ``encode`` but also return the unknown tokens, in order.

        Used by the UI to tell a user which characters/words of their input
        the model has never seen.
        """
        ids = [START_ID] if add_start else []
        unknown: list[str] = []
        lookup = self._ids
        for token in tokens:
            token_id = lookup.get(token)
            if token_id is None:
                unknown.append(token)
                token_id = UNK_ID
            ids.append(token_id)
        if add_end:
            ids.append(END_ID)
        return ids, unknown

    def decode(self, ids: Iterable[int], *, strip_special: bool = True) -> list[str]:
        """Map ids back to tokens.

        With ``strip_special`` decoding stops at the first ``END_ID`` and
        drops PAD/START (``<unk>`` stays visible: it carries information).
        """
        out: list[str] = []
        for token_id in ids:
            index = int(token_id)  # accepts numpy integers
            if strip_special:
                if index == END_ID:
                    break
                if index in (PAD_ID, START_ID):
                    continue
            out.append(self.id_to_token(index))
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form: ``{"level": ..., "tokens": [all tokens in id order]}``, plus
        ``"sentencepiece"`` (the model, base64) at subword level."""
        data = {"level": self.level, "tokens": list(self._tokens)}
        if self.tokenizer is not None:
            data["sentencepiece"] = self.tokenizer.to_text()
        return data

    @classmethod
    def from_dict(cls, data: Any) -> "Vocabulary":
        """Inverse of ``to_dict``; ValueError explaining what is malformed."""
        if not isinstance(data, dict):
            raise ValueError(f"vocabulary must be a dict with keys 'level' and 'tokens', got {type(data).__name__}")
        missing = [key for key in ("level", "tokens") if key not in data]
        if missing:
            raise ValueError(f"vocabulary dict is missing {', '.join(missing)}; expected keys: level, tokens")
        tokens = data["tokens"]
        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
            raise ValueError("vocabulary 'tokens' must be a list of strings")
        if tuple(tokens[: len(SPECIALS)]) != SPECIALS:
            raise ValueError(f"vocabulary 'tokens' must start with the specials {list(SPECIALS)}, got {tokens[:4]}")
        if data["level"] != "subword":
            return cls(tokens[len(SPECIALS) :], data["level"])
        if "sentencepiece" not in data:
            raise ValueError("subword vocabulary is missing its 'sentencepiece' model")
        try:
            tokenizer = SubwordTokenizer.from_text(data["sentencepiece"])
        except SubwordError as exc:
            raise ValueError(f"subword vocabulary: {exc}") from None
        vocab = cls.from_tokenizer(tokenizer)
        if vocab.tokens != tokens:
            raise ValueError("subword vocabulary 'tokens' do not match its SentencePiece model")
        return vocab
