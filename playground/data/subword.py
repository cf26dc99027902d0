"""Subword tokens: a SentencePiece model (Kudo & Richardson 2018) trained on the training
split's text, kept as bytes inside the vocabulary (and so inside the model file).

Text is normalised by :func:`playground.data.text.normalize` first; SentencePiece's own
normalisation is off (``identity``) so that decoding gives back exactly that text.
"""

from __future__ import annotations

import base64
import io
from typing import Iterable

SUBWORD_KINDS = ("unigram", "bpe")
#: Pieces per side by default: measured on 50k Tatoeba pairs (benchmarks/translation_quality.py).
DEFAULT_SUBWORD_VOCAB = 4000
MIN_SUBWORD_VOCAB = 16
MAX_SUBWORD_VOCAB = 64000


class SubwordError(ValueError):
    """A SentencePiece model cannot be trained or read."""


def _processor(model_bytes: bytes):
    import sentencepiece

    processor = sentencepiece.SentencePieceProcessor()
    try:
        processor.LoadFromSerializedProto(model_bytes)
    except (RuntimeError, OSError, TypeError) as exc:
        raise SubwordError(f"not a SentencePiece model ({exc})") from None
    return processor


class SubwordTokenizer:
    """Splits text into SentencePiece pieces ("▁the", "re") and joins them back."""

    def __init__(self, model_bytes: bytes):
        self.model_bytes = bytes(model_bytes)
        self._processor = _processor(self.model_bytes)

    @classmethod
    def train(cls, texts: Iterable[str], vocab_size: int = DEFAULT_SUBWORD_VOCAB,
              kind: str = "unigram") -> "SubwordTokenizer":
        """Learns up to ``vocab_size`` pieces from ``texts`` (fewer when the text is small)."""
        import sentencepiece

        if kind not in SUBWORD_KINDS:
            raise SubwordError(f"unknown subword model {kind!r}; valid: {', '.join(SUBWORD_KINDS)}")
        texts = [t for t in texts if t]
        if not texts:
            raise SubwordError("no text to learn subword pieces from")
        # Every character gets a piece when the alphabet is small beside the vocabulary; a
        # large one (Chinese, Japanese) leaves its rarest characters unknown, as SentencePiece advises.
        alphabet = len(set().union(*map(set, texts)))
        coverage = 1.0 if alphabet <= vocab_size // 2 else 0.9995
        writer = io.BytesIO()
        try:
            sentencepiece.SentencePieceTrainer.train(
                sentence_iterator=iter(texts), model_writer=writer, vocab_size=int(vocab_size), model_type=kind,
                character_coverage=coverage, normalization_rule_name="identity", hard_vocab_limit=False,
                pad_id=-1, bos_id=-1, eos_id=-1, unk_id=0, num_threads=1, minloglevel=2,
                max_sentence_length=1 << 16, input_sentence_size=0)
        except RuntimeError as exc:
            hint = " (the text has more distinct characters than pieces: raise subword_vocab)" \
                if "required_chars" in str(exc) else ""
            raise SubwordError(f"could not learn {vocab_size} subword pieces from {len(texts):,} texts with "
                               f"{alphabet:,} distinct characters{hint}") from None
        return cls(writer.getvalue())

    @property
    def processor(self):
        """The ``sentencepiece.SentencePieceProcessor`` (pieces, scores: the SavedModel export's
        in-graph segmentation reads them)."""
        return self._processor

    def pieces(self) -> list[str]:
        """Every piece but SentencePiece's own unknown, in its id order."""
        size = self._processor.get_piece_size()
        return [self._processor.id_to_piece(i) for i in range(size) if not self._processor.is_unknown(i)]

    def split(self, text: str) -> list[str]:
        """``text`` → pieces; characters never seen in training come out as their own pieces."""
        return self._processor.encode(text, out_type=str)

    def join(self, pieces: list[str]) -> str:
        return self._processor.decode_pieces(list(pieces))

    def to_text(self) -> str:
        """The model as base64 (JSON-able)."""
        return base64.b64encode(self.model_bytes).decode("ascii")

    @classmethod
    def from_text(cls, text: str) -> "SubwordTokenizer":
        if not isinstance(text, str):
            raise SubwordError("the SentencePiece model must be a base64 string")
        try:
            data = base64.b64decode(text.encode("ascii"), validate=True)
        except (ValueError, UnicodeEncodeError):
            raise SubwordError("the SentencePiece model is not valid base64") from None
        return cls(data)

    def __eq__(self, other):
        return isinstance(other, SubwordTokenizer) and self.model_bytes == other.model_bytes

    def __hash__(self):
        return hash(self.model_bytes)
