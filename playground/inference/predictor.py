"""Strings in, strings out: tokenising, decoding and untokenising for a trained model.

A :class:`Predictor` wraps a :class:`~playground.models.seq2seq.Seq2SeqModel` and the
vocabularies and text options stored in its ``meta``. The trainer, the CLI and the UI
all translate and generate through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from keras import ops

from playground.inference import search
from playground.data.text import detokenize
from playground.data.vocab import END_ID, Vocabulary
from playground.limits import (MAX_GENERATED_TOKENS, InputTooLong, check_beam, check_sampling, check_text,
                               check_texts, check_tokens, joined_tokens, max_input_tokens, output_length,
                               sentence_pieces)
from playground.data.batching import encode_token_lists, text_tokens



@dataclass
class Translation:
    text: str  # the best output, untokenised
    tokens: list  # its tokens
    source_tokens: list  # the input as the model saw it (after normalising; reversed if so trained)
    unknown: list  # input tokens missing from the source vocabulary (mapped to <unk>)
    score: float  # log-probability (greedy) or length-normalised beam score
    attention: np.ndarray | None = None  # [greedy output tokens + END, source tokens] (attention mode only)
    n_best: list = field(default_factory=list)  # [(text, score)] best first (beam search)
    greedy_tokens: list = field(default_factory=list)  # the greedy output, which ``attention`` belongs to
    pieces: int = 1  # sentences translated one by one (an input longer than the model's limit)
    log_probability: float = 0.0  # of ``text``, not length-normalised (= ``score`` for greedy)


class Predictor:
    """Translation and generation for one model (thread-compatible; one call at a time)."""

    def __init__(self, model):
        if not hasattr(model, "meta") or not hasattr(model, "config"):
            raise TypeError(f"Predictor needs a loaded model, got {type(model).__name__} {model!r:.60}; "
                            "write Predictor(playground.modelfile.load_model(path))")
        meta = model.meta
        self.model = model
        self.config = model.config
        self.target_vocab = Vocabulary.from_dict(meta["target_vocab"])
        self.source_vocab = Vocabulary.from_dict(meta["source_vocab"]) if meta.get("source_vocab") else None
        options = meta.get("data_options", {})
        self.level = options.get("level", self.target_vocab.level)
        self.lowercase = bool(options.get("lowercase", False))
        self.normalize_unicode = bool(options.get("normalize_unicode", True))
        self.reverse_source = bool(options.get("reverse_source", False))
        self.max_target_length = max(int(self.config.max_target_length), 1)
        self.max_input_tokens = max_input_tokens(self.config.max_source_length)

    @property
    def is_lm(self) -> bool:
        return self.config.is_lm

    @property
    def has_attention(self) -> bool:
        """Attention maps exist: attention mode, or a Transformer's cross-attention."""
        return self.config.mode in ("attention", "transformer")

    def attention_heads(self, text: str, output_tokens: list[str]) -> np.ndarray:
        """A Transformer's cross-attention for ``output_tokens`` (END included) given ``text``
        → [blocks, heads, len(output) + 1, source tokens] float32."""
        ids, tokens, _ = self.encode_sources([text])
        target_in = self.target_vocab.encode(output_tokens, add_start=True)
        weights = self.model.cross_attention(ids, np.asarray([target_in], np.int32))
        return np.asarray(ops.convert_to_numpy(weights))[0, :, :, :, : len(tokens[0])]

    # -- text <-> tokens -------------------------------------------------------------------

    def tokenize(self, text: str, vocab: Vocabulary | None = None) -> list[str]:
        """Normalised ``text`` split as ``vocab`` (default: the source side's) splits it."""
        return text_tokens(text, vocab or self.source_vocab or self.target_vocab, lowercase=self.lowercase,
                           normalize_unicode=self.normalize_unicode)

    def source_tokens(self, text: str) -> list[str]:
        tokens = self.tokenize(text)
        return tokens[::-1] if self.reverse_source else tokens

    def detokenize(self, tokens: list[str]) -> str:
        return detokenize(tokens, self.level)

    def encode_sources(self, texts: list[str]):
        """→ (ids [B, S] int32, tokens per text, unknown tokens per text)."""
        if self.source_vocab is None:
            raise ValueError("This is a language model: it generates, it does not translate")
        tokens = [self.source_tokens(t) for t in texts]
        ids, unknown = encode_token_lists(tokens, self.source_vocab)
        return ids, tokens, unknown

    def _output_length(self, source_ids) -> int:
        return output_length(self.max_target_length, source_ids.shape[1])

    # -- translation -----------------------------------------------------------------------

    def split_long(self, text: str) -> list[str]:
        """``text`` as pieces the model can take: itself when short enough, else its sentences.
        Raises InputTooLong when a sentence alone is over the limit."""
        return sentence_pieces(text, lambda piece: len(self.source_tokens(piece)), self.max_input_tokens,
                               self.config.max_source_length, self.level)

    def translate(self, texts: list[str], *, beam_width: int = 1, n_best: int = 1,
                  max_length: int | None = None) -> list[Translation]:
        """Greedy (``beam_width`` 1) or beam search; attention weights for attention models.

        An input over ``max_input_tokens`` is translated sentence by sentence (the pieces'
        outputs joined, no attention map); InputTooLong when that cannot be done.
        """
        texts = check_texts(texts)
        if not texts:
            return []
        check_beam(beam_width, n_best)
        split = []
        for index, text in enumerate(texts):
            try:
                split.append(self.split_long(text))
            except InputTooLong as exc:
                exc.index = index
                raise
        if any(len(pieces) > 1 for pieces in split):
            flat = self._translate([p for pieces in split for p in pieces], beam_width, n_best, max_length)
            results, begin = [], 0
            for pieces in split:
                results.append(_joined(flat[begin:begin + len(pieces)], self.level))
                begin += len(pieces)
            return results
        return self._translate(texts, beam_width, n_best, max_length)

    def _translate(self, texts, beam_width, n_best, max_length) -> list[Translation]:
        ids, tokens, unknown = self.encode_sources(texts)
        max_length = max_length or self._output_length(ids)
        greedy = search.greedy_decode(self.model, ids, max_length)
        results = []
        beams = None
        if beam_width > 1 or n_best > 1:
            beams = search.beam_search(self.model, ids, max_length, beam_width=max(beam_width, n_best),
                                       n_best=n_best)
        for i in range(len(texts)):
            out_tokens = self.target_vocab.decode(greedy.tokens[i])
            length = len(out_tokens) + 1  # the END token was attended too
            attention = None
            if self.has_attention:
                attention = greedy.attention[i, :length, : len(tokens[i])]
            translation = Translation(self.detokenize(out_tokens), out_tokens, tokens[i], unknown[i],
                                      float(greedy.log_probs[i]), attention, greedy_tokens=out_tokens,
                                      log_probability=float(greedy.log_probs[i]))
            if beams is not None:
                translation.n_best = [
                    (self.detokenize(self.target_vocab.decode(beams.tokens[i, j])), float(beams.scores[i, j]))
                    for j in range(beams.tokens.shape[1])
                ]
                best_tokens = self.target_vocab.decode(beams.tokens[i, 0])
                translation.text, translation.tokens = self.detokenize(best_tokens), best_tokens
                translation.score = float(beams.scores[i, 0])
                translation.log_probability = float(beams.log_probs[i, 0])
            results.append(translation)
        return results

    def translate_ids(self, source_ids: np.ndarray, max_length: int | None = None) -> list[list[str]]:
        """Greedy decode of already-encoded sources [B, S] → output tokens per item."""
        max_length = max_length or self._output_length(source_ids)
        greedy = search.greedy_decode(self.model, source_ids, max_length)
        return [self.target_vocab.decode(row) for row in greedy.tokens]

    # -- generation ------------------------------------------------------------------------

    def generate_tokens(self, seed_tokens: list[str] | None = None, *, length: int = 100,
                        temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0,
                        seed: int = 0, source_text: str | None = None, stop_at_end: bool = True):
        """Samples ``length`` tokens after ``seed_tokens`` → (all tokens, unknown seed tokens).

        For a language model the seed is its primer; for a seq2seq model ``source_text``
        is the input and the seed a forced output prefix.
        """
        check_sampling(length=length, temperature=temperature, top_k=top_k, top_p=top_p)
        seed_tokens = check_tokens(seed_tokens)
        prefix, unknown = self.target_vocab.encode_with_unknowns(seed_tokens)
        if len(prefix) > MAX_GENERATED_TOKENS:
            raise ValueError(f"the seed is {len(prefix):,} tokens; at most {MAX_GENERATED_TOKENS:,} are used")
        if source_text is not None and not self.is_lm:
            ids, _, _ = self.encode_sources([source_text])
        else:
            ids = np.zeros((1, 1), np.int32)
        out = search.sample_decode(self.model, ids, len(prefix) + length,
                                   prefix_ids=np.asarray([prefix], np.int32).reshape(1, -1),
                                   temperature=temperature, top_k=top_k, top_p=top_p, seed=seed)[0]
        if not stop_at_end:
            out = out[out != END_ID]
        return self.target_vocab.decode(out), unknown

    def generate(self, seed_text: str = "", **kwargs) -> tuple[str, list[str]]:
        """Text generation from ``seed_text`` → (text including the seed, unknown seed tokens)."""
        if not self.is_lm:
            raise ValueError("This is a translation model: it translates (Predictor.translate); generating "
                             "needs a language model (trained with task lm)")
        check_text(seed_text)
        seed_tokens = self.tokenize(seed_text, self.target_vocab) if seed_text else []
        if self.level == "char" and seed_text[-1:].isspace():
            seed_tokens.append(" ")  # normalising strips it, but a primer's final space matters
        tokens, unknown = self.generate_tokens(seed_tokens, **kwargs)
        return self.detokenize(tokens), unknown


def _joined(parts: list[Translation], level: str) -> Translation:
    """The translations of consecutive sentences as one (no attention map: it would span
    several decodes)."""
    tokens, source, greedy = (joined_tokens([getattr(part, name) for part in parts], level)
                              for name in ("tokens", "source_tokens", "greedy_tokens"))
    text = " ".join(part.text for part in parts)
    score = float(sum(part.score for part in parts))
    unknown = [token for part in parts for token in part.unknown]
    return Translation(text, tokens, source, unknown, score, None, [(text, score)], greedy, pieces=len(parts),
                       log_probability=float(sum(part.log_probability for part in parts)))
