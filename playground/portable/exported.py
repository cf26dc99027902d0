"""An export folder as a translator or generator: ``ExportedModel(folder).translate([...])``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from playground.data.batching import encode_token_lists, text_tokens
from playground.data.subword import SubwordError
from playground.data.vocab import Vocabulary
from playground.limits import (DEFAULT_LENGTH_PENALTY, InputTooLong, check_beam, check_sampling, check_text,
                               check_texts, check_tokens, joined_tokens, max_input_tokens, output_length,
                               sentence_pieces)
from playground.portable.decoding import Decoder
from playground.portable.manifest import ExportFolderError, read_manifest
from playground.portable.runtime import open_graphs


@dataclass
class ExportedTranslation:
    text: str
    tokens: list
    score: float  # log-probability (greedy) or length-normalised beam score
    unknown: list  # input tokens missing from the source vocabulary (read as <unk>)
    n_best: list = field(default_factory=list)  # [(text, score)] best first, with beam search


class ExportedModel:
    """A model exported with ``playground export --format onnx|tflite``, run with numpy and
    onnxruntime or LiteRT (no TensorFlow, no Keras)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        manifest = read_manifest(self.folder)
        self.manifest = manifest
        try:
            self.target_vocab = Vocabulary.from_dict(manifest["target_vocab"])
            self.source_vocab = (Vocabulary.from_dict(manifest["source_vocab"])
                                 if manifest["task"] == "translate" else None)
        except (SubwordError, KeyError, TypeError, ValueError) as exc:
            raise ExportFolderError(f"{self.folder / 'model.json'}: a vocabulary is invalid ({exc})") from None
        text = manifest["text"]
        self.level, self.lowercase = text.get("level", "char"), bool(text.get("lowercase", False))
        self.normalize_unicode = bool(text.get("normalize_unicode", True))
        self.reverse_source = bool(text.get("reverse_source", False))
        encoder, step = open_graphs(self.folder, manifest)
        self.decoder = Decoder(encoder, step, list(manifest["states"]), bool(manifest.get("transformer")))
        self.max_input_tokens = max_input_tokens(manifest["max_source_length"])

    @property
    def is_lm(self) -> bool:
        return self.manifest["task"] == "generate"

    # -- translation -----------------------------------------------------------------------

    def encode_sources(self, texts: list[str]):
        """→ (ids [B, S] int32, tokens per text, unknown tokens per text), as the app encodes them."""
        tokens = [self._source_tokens(t) for t in texts]
        for t in tokens:
            if len(t) > self.max_input_tokens:
                raise ValueError(f"input too long: {len(t):,} tokens; this export translates at most "
                                 f"{self.max_input_tokens} at once")
        ids, unknown = encode_token_lists(tokens, self.source_vocab)
        return ids, tokens, unknown

    def _source_tokens(self, text: str) -> list[str]:
        if self.source_vocab is None:
            raise ValueError("This is a language model: it generates, it does not translate")
        return text_tokens(text, self.source_vocab, lowercase=self.lowercase, normalize_unicode=self.normalize_unicode,
                           reverse=self.reverse_source)

    def output_ids(self, source_ids: np.ndarray, *, beam_width: int = 1, n_best: int = 1):
        """``source_ids`` [B, S] → (tokens [B, n_best, L], scores [B, n_best]): greedy
        log-probabilities for ``beam_width`` 1 (and for basic mode, as in the app: without
        feedback beams add nothing), else length-normalised beam scores, best first."""
        limit = output_length(self.manifest["max_target_length"], np.shape(source_ids)[1])
        if (beam_width == 1 and n_best == 1) or self.manifest["mode"] == "basic":
            tokens, _, log_probs = self.decoder.greedy(source_ids, limit)
            return tokens[:, None], log_probs[:, None]
        length_penalty = float(self.manifest["decoding"].get("length_penalty", DEFAULT_LENGTH_PENALTY))
        tokens, scores, _ = self.decoder.beam(source_ids, limit, max(beam_width, n_best), length_penalty)
        return tokens[:, :n_best], scores[:, :n_best]

    def translate(self, texts: list[str], *, beam_width: int = 1, n_best: int = 1) -> list[ExportedTranslation]:
        """Greedy (``beam_width`` 1) or beam search, one result per text. An input over the
        model's limit is translated sentence by sentence, as the app does (InputTooLong when a
        sentence alone is too long)."""
        texts = check_texts(texts)
        if not texts:
            return []
        check_beam(beam_width, n_best)
        split = []
        for index, text in enumerate(texts):
            try:
                split.append(sentence_pieces(text, lambda piece: len(self._source_tokens(piece)),
                                             self.max_input_tokens, int(self.manifest["max_source_length"]),
                                             self.level))
            except InputTooLong as exc:
                exc.index = index
                raise
        flat = self._translate([piece for pieces in split for piece in pieces], beam_width, n_best)
        results, begin = [], 0
        for pieces in split:
            parts, begin = flat[begin:begin + len(pieces)], begin + len(pieces)
            results.append(parts[0] if len(parts) == 1 else self._joined(parts, beam_width > 1 or n_best > 1))
        return results

    def _joined(self, parts: list[ExportedTranslation], listed: bool) -> ExportedTranslation:
        """Consecutive sentences' translations as one (as the app joins them)."""
        tokens = joined_tokens([part.tokens for part in parts], self.level)
        text, score = " ".join(part.text for part in parts), float(sum(part.score for part in parts))
        return ExportedTranslation(text, tokens, score, [t for part in parts for t in part.unknown],
                                   [(text, score)] if listed else [])

    def _translate(self, texts: list[str], beam_width: int, n_best: int) -> list[ExportedTranslation]:
        ids, _, unknown = self.encode_sources(texts)
        tokens, scores = self.output_ids(ids, beam_width=beam_width, n_best=n_best)
        results = []
        for i in range(len(texts)):
            outputs = [self.target_vocab.decode(row) for row in tokens[i]]
            n_best_list = [(self.target_vocab.join(out), float(score)) for out, score in zip(outputs, scores[i])]
            results.append(ExportedTranslation(n_best_list[0][0], outputs[0], n_best_list[0][1], unknown[i],
                                               n_best_list if beam_width > 1 or n_best > 1 else []))
        return results

    # -- generation ------------------------------------------------------------------------

    def generate_tokens(self, seed_tokens: list[str] | None = None, *, length: int = 100, temperature: float = 1.0,
                        top_k: int = 0, top_p: float = 1.0, seed: int = 0) -> tuple[list[str], list[str]]:
        """Samples ``length`` tokens after ``seed_tokens`` (a primer) → (all tokens, unknown seed tokens)."""
        check_sampling(length=length, temperature=temperature, top_k=top_k, top_p=top_p)
        if not self.is_lm:
            raise ValueError("This is a translation model: it translates (translate); generating needs a "
                             "language model")
        prefix, unknown = self.target_vocab.encode_with_unknowns(check_tokens(seed_tokens))
        source = np.zeros((1, 1), np.int32)
        out = self.decoder.sample(source, len(prefix) + length, prefix, temperature=temperature, top_k=top_k,
                                  top_p=top_p, seed=seed)[0]
        return self.target_vocab.decode(out), unknown

    def generate(self, seed_text: str = "", **kwargs) -> str:
        """Text from ``seed_text`` (a text language model) → the text, seed included."""
        check_text(seed_text)
        seed = text_tokens(seed_text, self.target_vocab, lowercase=self.lowercase,
                           normalize_unicode=self.normalize_unicode) if seed_text else []
        if self.level == "char" and seed_text[-1:].isspace():
            seed.append(" ")  # normalising strips it, but a primer's final space matters (as in the app)
        tokens, _ = self.generate_tokens(seed, **kwargs)
        return self.target_vocab.join(tokens)

    def generate_midi(self, path: str | Path, *, seed_tokens: list[str] | None = None, length: int = 64,
                      temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0, seed: int = 0,
                      force: bool = False) -> Path:
        """A music language model's tune, sampled after ``seed_tokens``, written as a MIDI file.
        ``path`` may replace a MIDI or WAV file; anything else only with ``force`` (PathRefused)."""
        from playground.paths import check_output

        music = self.manifest.get("music")
        if not music:
            raise ValueError("not a music model: it has no MIDI output")
        path = check_output(path, "midi", option="path", force=force)
        from playground.music.encoding import decode
        from playground.music.midi_io import write_midi
        from playground.music.notes import Tune

        tokens, _ = self.generate_tokens(seed_tokens, length=length, temperature=temperature, top_k=top_k,
                                         top_p=top_p, seed=seed)
        notes = decode(tokens, music["encoding"], steps_per_beat=int(music["steps_per_beat"]))
        tune = Tune(name="generated", notes=notes, tempo_bpm=float(music["tempo_bpm"]),
                    time_signature=tuple(music["time_signature"]))
        return write_midi(tune, path)
