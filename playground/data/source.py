"""The one entry point the trainer, CLI and GUI use to get a dataset.

``load_source("digits:reverse")``, ``load_source("eng-fra.txt")``,
``load_source("en.txt::fr.txt")`` or ``load_source("text:sample")`` all
return a :class:`Corpus`: normalised, tokenised, filtered, split into
train/val/test (deterministically for a seed) with vocabularies built from
the training split only, so held-out unknown tokens stay unknown.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from playground.data import DataError
from playground.data.lmtext import BUILTIN_TEXT_PATH, load_text
from playground.data.pairs import SkippedLine, load_pairs, load_parallel, sniff_lines
from playground.data.subword import (DEFAULT_SUBWORD_VOCAB, MAX_SUBWORD_VOCAB, MIN_SUBWORD_VOCAB, SUBWORD_KINDS,
                                     SubwordError, SubwordTokenizer)
from playground.data.tasks import BUILTIN_TASKS, generate_task
from playground.limits import MAX_TASK_SIZE, at_most
from playground.data.text import LEVELS, detokenize, normalize, tokenize
from playground.data.vocab import Vocabulary
from playground.heap import collections_paused
from playground.paths import MIDI_SUFFIXES, require_regular_file

#: (source tokens, target tokens); for text corpora the source is [].
Example = tuple[list[str], list[str]]

#: Valid values of ``DataOptions.sample``.
SAMPLE_MODES = ("first", "random")
#: Valid values of ``load_source(kind=...)`` (None = detect).
SOURCE_KINDS = (None, "pairs", "text")
#: Name of the built-in language-model text.
BUILTIN_TEXT_NAME = "text:sample"
_PARALLEL_SEPARATOR = "::"
_PAIRS_SUFFIXES = (".csv", ".tsv")
_SKIPPED_IN_DESCRIPTION = 20
_SNIFF_BYTES = 65536


@dataclass(frozen=True)
class DataOptions:
    """How to turn a raw source into training examples (JSON round-trippable)."""

    level: str = "char"  # token granularity: "char", "word" or "subword" (SentencePiece, learned from train)
    lowercase: bool = False  # lowercase everything after normalisation
    normalize_unicode: bool = True  # NFC + space/quote clean-up (see text.normalize)
    max_length: int | None = None  # drop pairs whose source or target has more tokens; None = keep all
    max_samples: int | None = None  # cap on examples kept after filtering; None = all
    sample: str = "first"  # how max_samples picks: "first" (file order) or "random" (seeded)
    reverse_source: bool = False  # reverse source tokens (Sutskever et al. 2014)
    val_split: float = 0.1  # fraction of examples held out for validation
    test_split: float = 0.1  # fraction of examples held out for the final test
    seed: int = 0  # seed for task generation, random sampling and the split
    columns: tuple[int, int] = (0, 1)  # (source, target) columns of a pairs file; (1, 0) swaps direction
    header: bool | None = None  # a pairs file's first line names its columns: None = detect, True/False = say so
    task_size: int | None = None  # number of pairs for a built-in task; None = its default
    text_window: int = 64  # characters per item when long text is cut into windows
    subword_vocab: int = DEFAULT_SUBWORD_VOCAB  # subword level: pieces per language (fewer on small data)
    subword_model: str = "unigram"  # subword level: SentencePiece "unigram" or "bpe"

    def __post_init__(self) -> None:
        """Validate every field; errors name the field and the valid values."""
        if isinstance(self.columns, list):
            object.__setattr__(self, "columns", tuple(self.columns))  # JSON gives lists
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {', '.join(LEVELS)}; got {self.level!r}")
        if self.sample not in SAMPLE_MODES:
            raise ValueError(f"sample must be one of {', '.join(SAMPLE_MODES)}; got {self.sample!r}")
        for name in ("lowercase", "normalize_unicode", "reverse_source"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false; got {getattr(self, name)!r}")
        if self.header is not None and not isinstance(self.header, bool):
            raise ValueError(f"header must be true, false or null (detect); got {self.header!r}")
        for name in ("val_split", "test_split"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
                raise ValueError(f"{name} must be a fraction in [0, 1); got {value!r}")
        if self.val_split + self.test_split >= 1:
            raise ValueError(
                f"val_split ({self.val_split:g}) + test_split ({self.test_split:g}) must be under 1 to leave "
                "training data")
        for name in ("max_length", "max_samples", "task_size"):
            value = getattr(self, name)
            if value is not None and (not _is_int(value) or value < 1):
                raise ValueError(f"{name} must be a positive integer or None; got {value!r}")
        if self.task_size is not None and self.task_size > MAX_TASK_SIZE:
            raise ValueError(f"task_size must be at most {MAX_TASK_SIZE:,}; got {self.task_size!r}")
        if not _is_int(self.seed):
            raise ValueError(f"seed must be an integer; got {self.seed!r}")
        if not _is_int(self.subword_vocab) or not MIN_SUBWORD_VOCAB <= self.subword_vocab <= MAX_SUBWORD_VOCAB:
            raise ValueError(f"subword_vocab must be an integer in {MIN_SUBWORD_VOCAB}..{MAX_SUBWORD_VOCAB}; "
                             f"got {self.subword_vocab!r}")
        if self.subword_model not in SUBWORD_KINDS:
            raise ValueError(f"subword_model must be one of {', '.join(SUBWORD_KINDS)}; got {self.subword_model!r}")
        if not _is_int(self.text_window) or self.text_window < 8:
            raise ValueError(f"text_window must be an integer >= 8; got {self.text_window!r}")
        columns = self.columns
        if (
            not isinstance(columns, tuple)
            or len(columns) != 2
            or not all(_is_int(c) and c >= 0 for c in columns)
            or columns[0] == columns[1]
        ):
            raise ValueError(f"columns must be two different column indices (source, target) >= 0; got {columns!r}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict of all fields (columns as a list)."""
        data = dataclasses.asdict(self)
        data["columns"] = list(self.columns)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "DataOptions":
        """Inverse of ``to_dict``; missing keys take defaults, unknown keys are an error."""
        if not isinstance(data, dict):
            raise ValueError(f"data options must be a dict, got {type(data).__name__}")
        valid = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(data) - set(valid))
        if unknown:
            raise ValueError(f"unknown data option(s) {', '.join(unknown)}; valid options: {', '.join(valid)}")
        return cls(**data)


def _is_int(value: Any) -> bool:
    """True for ints (numpy ints included) but not bools."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _stats(lengths: list[int]) -> dict[str, float] | None:
    """min/mean/max/p95 of token counts, JSON-able; None when empty."""
    if not lengths:
        return None
    array = np.asarray(lengths)
    return {
        "min": int(array.min()),
        "mean": round(float(array.mean()), 3),
        "max": int(array.max()),
        "p95": round(float(np.percentile(array, 95)), 3),
    }


@dataclass
class Corpus:
    """A dataset ready for training: tokenised splits plus vocabularies."""

    name: str  # the source string as given to load_source
    kind: str  # "pairs" (source -> target) or "text" (language model)
    options: DataOptions  # the options it was built with
    train: list[Example]  # training examples (source tokens reversed if reverse_source)
    val: list[Example]  # validation examples
    test: list[Example]  # test examples
    raw_test: list[tuple[str, str]]  # test pairs as normalised strings (source not reversed), for BLEU etc.
    skipped: list[SkippedLine] = field(default_factory=list)  # unusable input lines
    dropped_too_long: int = 0  # examples over options.max_length
    source_vocab: Vocabulary | None = None  # from the train split; None for text
    target_vocab: Vocabulary | None = None  # from the train split
    dropped_empty: int = 0  # examples with no tokens left after normalisation
    extra: dict[str, Any] = field(default_factory=dict)  # JSON-able facts added by other loaders (e.g. MIDI summary)
    header: str | None = None  # a pairs file's header line (column names), not trained on

    def preview(self, rows: int = 5) -> list[tuple[str, str]]:
        """The first training examples as text, as the model sees them: (input, target)
        ("" input for text and music)."""
        level, reverse = self.options.level, self.options.reverse_source
        return [(detokenize(list(s[::-1] if reverse else s), level), detokenize(list(t), level))
                for s, t in self.train[:rows]]

    def length_stats(self) -> dict[str, dict[str, float] | None]:
        """Token-count statistics over all splits: {"source": ..., "target": ...}."""
        examples = self.train + self.val + self.test
        source = [len(s) for s, _ in examples] if self.kind == "pairs" else []
        return {"source": _stats(source), "target": _stats([len(t) for _, t in examples])}

    def describe(self) -> dict[str, Any]:
        """JSON-able summary for the CLI, the GUI and run records."""
        return {
            "name": self.name,
            "kind": self.kind,
            "options": self.options.to_dict(),
            "split_seed": self.options.seed,
            "counts": {"train": len(self.train), "val": len(self.val), "test": len(self.test)},
            "skipped_count": len(self.skipped),
            "skipped": [
                {"line": s.line, "reason": s.reason, "text": s.text}
                for s in self.skipped[:_SKIPPED_IN_DESCRIPTION]
            ],
            "header": self.header,
            "dropped_too_long": self.dropped_too_long,
            "dropped_empty": self.dropped_empty,
            "vocab_sizes": {
                "source": len(self.source_vocab) if self.source_vocab is not None else None,
                "target": len(self.target_vocab) if self.target_vocab is not None else None,
            },
            "length_stats": self.length_stats(),
            **({"extra": self.extra} if self.extra else {}),
        }


# --- reading raw sources -------------------------------------------------


def _load_music_source(path: Path) -> None:
    """Hook for MIDI files/folders; playground.music replaces this."""
    raise DataError(f"{path}: MIDI sources need playground.music")


def _swap_if_asked(pairs: list[tuple[str, str]], columns: tuple[int, int], what: str) -> list[tuple[str, str]]:
    """Apply options.columns to two-sided sources: (0, 1) as is, (1, 0) swapped."""
    if columns == (0, 1):
        return pairs
    if columns == (1, 0):
        return [(t, s) for s, t in pairs]
    raise ValueError(f"columns for {what} must be (0, 1) or (1, 0); got {columns!r}")


def _looks_like_pairs(path: Path) -> bool:
    """Sniff a .txt file: pairs when most of its first lines contain a tab."""
    lines = [line for line in sniff_lines(path, _SNIFF_BYTES) if line.strip()]
    return sum("\t" in line for line in lines) * 2 > len(lines)


def _check_kind(expected: str, kind: str | None, name: str) -> None:
    """Refuse a forced kind that the source cannot provide."""
    if kind is not None and kind != expected:
        what = {"pairs": "sentence pairs (input → target)", "text": "plain text"}
        use = {"text": "a language model (task lm) needs plain text or music",
               "pairs": "translation needs pairs"}
        raise DataError(f"{name} holds {what.get(expected, expected)}, and {use.get(kind, kind)}: "
                        f"{'leave --task out' if kind == 'text' else 'choose another source'}")


def looks_like_pairs_file(path: Path) -> bool:
    """A .csv/.tsv file, or one whose first lines mostly hold a tab (what loading assumes)."""
    return path.suffix.lower() in _PAIRS_SUFFIXES or _looks_like_pairs(path)


def _read_source(name: str, options: DataOptions, kind: str | None) -> tuple[str, list, list[SkippedLine], str | None]:
    """Return (kind, pairs or text items, skipped lines, header line or None) for any source string."""
    if name in BUILTIN_TASKS:
        _check_kind("pairs", kind, name)
        pairs = generate_task(name, options.task_size, options.seed)
        return "pairs", _swap_if_asked(pairs, options.columns, "built-in tasks"), [], None
    if name == BUILTIN_TEXT_NAME:
        _check_kind("text", kind, name)
        text = load_text(BUILTIN_TEXT_PATH, window=options.text_window)
        return "text", text.items, text.skipped, None
    if _PARALLEL_SEPARATOR in name:
        _check_kind("pairs", kind, name)
        parts = name.split(_PARALLEL_SEPARATOR)
        if len(parts) != 2 or not all(parts):
            raise DataError(f"{name}: parallel files are written SOURCE_FILE::TARGET_FILE")
        loaded = load_parallel(parts[0], parts[1])
        return "pairs", _swap_if_asked(loaded.pairs, options.columns, "parallel files"), loaded.skipped, None
    path = Path(name)
    if path.is_dir() or path.suffix.lower() in MIDI_SUFFIXES:
        _load_music_source(path)
    if path.exists() or path.is_symlink():
        require_regular_file(path, "data file", error=DataError)
        if kind is None:
            kind = "pairs" if looks_like_pairs_file(path) else "text"
        if kind == "text":
            text = load_text(path, window=options.text_window)
            return "text", text.items, text.skipped, None
        loaded = load_pairs(path, columns=options.columns, header=options.header)
        return "pairs", loaded.pairs, loaded.skipped, loaded.header
    if "/" in name or os.sep in name or path.suffix:
        raise DataError(f"{name}: no such file")
    builtins = ", ".join([*BUILTIN_TASKS, BUILTIN_TEXT_NAME, "midi:sample"])  # the music one is loaded elsewhere
    raise DataError(f"unknown data source {name!r}; built-in sources: {builtins}; or give a path to a file")


# --- splitting -----------------------------------------------------------


def _split_count(total: int, fraction: float) -> int:
    """Examples for a held-out split: at least one when the fraction is > 0."""
    return 0 if fraction <= 0 else max(1, int(round(total * fraction)))


def split_by_key(keys: list[str], val_split: float, test_split: float, seed: int) -> tuple[list[int], list[int], list[int]]:
    """Split example indices into (train, val, test), keeping equal keys together.

    Groups of identical keys (e.g. one English sentence with several French
    translations) are shuffled with ``default_rng(seed)`` and dealt to test,
    then val, then train, so a held-out source never also appears in training.
    """
    groups: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        groups.setdefault(key, []).append(index)
    group_list = list(groups.values())
    order = np.random.default_rng(seed).permutation(len(group_list))
    want_test, want_val = _split_count(len(keys), test_split), _split_count(len(keys), val_split)
    train: list[int] = []
    val: list[int] = []
    test: list[int] = []
    for group_index in order:
        members = group_list[group_index]
        if len(test) < want_test:
            test.extend(members)
        elif len(val) < want_val:
            val.extend(members)
        else:
            train.extend(members)
    return train, val, test


def _subword_tokens(keep, train_idx, found_kind, options, vocabularies=None):
    """SentencePiece models learned from the training split's texts, one per side (or a
    model's own ``vocabularies`` (source, target), to evaluate it on new data), applied to
    every kept pair → (keep with pieces, None where over ``max_length``; source vocabulary
    or None; target vocabulary; pairs dropped as too long)."""
    def learn(column):
        try:
            tokenizer = SubwordTokenizer.train((keep[i][column] for i in train_idx), options.subword_vocab,
                                               options.subword_model)
        except SubwordError as exc:
            raise DataError(f"subword level: {exc}") from None
        return Vocabulary.from_tokenizer(tokenizer)

    if vocabularies is not None:
        source_vocab, target_vocab = vocabularies
    else:
        source_vocab = learn(0) if found_kind == "pairs" else None
        target_vocab = learn(1)
    pieces, too_long = [], 0
    for source_text, target_text, _, _ in keep:
        source_tokens = source_vocab.split(source_text) if source_vocab is not None else []
        target_tokens = target_vocab.split(target_text)
        if options.max_length is not None and max(len(source_tokens), len(target_tokens)) > options.max_length:
            pieces.append(None)
            too_long += 1
        else:
            pieces.append((source_text, target_text, source_tokens, target_tokens))
    return pieces, source_vocab, target_vocab, too_long


# --- the entry point -----------------------------------------------------


def load_source(source: str | os.PathLike, options: DataOptions = DataOptions(), *, kind: str | None = None,
                progress=None, vocabularies=None) -> Corpus:
    """Load, normalise, tokenise, filter, sample and split a data source.

    ``source``: a built-in task name (see ``BUILTIN_TASKS``), "text:sample",
    a pairs file (.txt/.tsv/.csv), a plain text file (kind "text", or
    auto-detected: a file whose lines mostly have no tab) or two parallel
    files "SRC::TGT". ``kind`` forces "pairs" or "text". The same source and
    options always give identical splits. ``progress(fraction, what)``, when given, is
    called as the work advances; raising LoadCancelled from it abandons the load.
    ``vocabularies`` (source, target) split subword text with a trained model's pieces
    instead of learning new ones from this source.
    """
    if kind not in SOURCE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(map(str, SOURCE_KINDS))}; got {kind!r}")
    if not isinstance(options, DataOptions):
        raise TypeError(f"options must be a DataOptions, got {type(options).__name__}")
    name = os.fspath(source)
    with collections_paused():  # millions of small token lists, no cycles: no repeated full walks
        return _build_corpus(name, options, kind, progress or (lambda fraction, what: None), vocabularies)


_PROGRESS_EVERY = 5000  # lines between progress reports


def _build_corpus(name: str, options: DataOptions, kind: str | None, progress, vocabularies=None) -> Corpus:
    """The body of ``load_source`` (arguments already checked)."""
    progress(0.0, "reading")
    found_kind, raw, skipped, header = _read_source(name, options, kind)
    if found_kind == "text":
        raw = [("", item) for item in raw]  # one code path: text = pairs with an empty source

    level = options.level
    # Subword pieces are learned from the training split, known only after the split:
    # until then, characters stand in (for the emptiness check).
    first_level = "char" if level == "subword" else level
    keep: list[tuple[str, str, list[str], list[str]]] = []
    dropped_too_long = dropped_empty = 0
    for index, (source_text, target_text) in enumerate(raw):
        if index % _PROGRESS_EVERY == 0:
            progress(0.1 + 0.8 * index / max(len(raw), 1), f"tokenising {index:,} of {len(raw):,} lines")
        source_text = normalize(source_text, lowercase=options.lowercase, unicode=options.normalize_unicode)
        target_text = normalize(target_text, lowercase=options.lowercase, unicode=options.normalize_unicode)
        source_tokens = tokenize(source_text, first_level)
        target_tokens = tokenize(target_text, first_level)
        if not target_tokens or (found_kind == "pairs" and not source_tokens):
            dropped_empty += 1
            continue
        if (level != "subword" and options.max_length is not None
                and max(len(source_tokens), len(target_tokens)) > options.max_length):
            dropped_too_long += 1
            continue
        keep.append((source_text, target_text, source_tokens, target_tokens))
    if not keep:
        first = f"; first skipped: line {skipped[0].line}: {skipped[0].reason}" if skipped else ""
        raise DataError(
            f"{name}: no usable examples ({len(skipped)} lines skipped, {dropped_too_long} too long, "
            f"{dropped_empty} empty{first})"
        )

    keep = at_most(keep, options.max_samples, options.sample, options.seed)

    progress(0.9, "splitting and building vocabularies")
    keys = [source_text if found_kind == "pairs" else target_text for source_text, target_text, _, _ in keep]
    train_idx, val_idx, test_idx = split_by_key(keys, options.val_split, options.test_split, options.seed)
    if not train_idx:
        side = "inputs" if found_kind == "pairs" else "items"
        needed = 1 + (options.val_split > 0) + (options.test_split > 0)
        equal = f"{len(keep):,} examples but only " if len(keep) > len(set(keys)) else ""
        raise DataError(f"{name}: {equal}{len(set(keys)):,} distinct {side}; training, validation and test need "
                        f"at least {needed} (equal {side} stay in one split): too few to leave any for training")

    source_vocab = target_vocab = None
    if level == "subword":
        progress(0.92, "learning subword pieces")
        keep, source_vocab, target_vocab, too_long = _subword_tokens(keep, train_idx, found_kind, options,
                                                                     vocabularies)
        dropped_too_long += too_long
        train_idx, val_idx, test_idx = ([i for i in indices if keep[i] is not None]
                                        for indices in (train_idx, val_idx, test_idx))
        if not train_idx:
            raise DataError(f"{name}: every training pair is longer than max_length={options.max_length} pieces")

    def examples(indices: list[int]) -> list[Example]:
        """Token lists for the given indices, source reversed when asked."""
        if options.reverse_source:
            return [(keep[i][2][::-1], keep[i][3]) for i in indices]
        return [(keep[i][2], keep[i][3]) for i in indices]

    train = examples(train_idx)
    return Corpus(
        name=name,
        kind=found_kind,
        options=options,
        train=train,
        val=examples(val_idx),
        test=examples(test_idx),
        raw_test=[(keep[i][0], keep[i][1]) for i in test_idx],
        skipped=list(skipped),
        dropped_too_long=dropped_too_long,
        source_vocab=source_vocab or (Vocabulary.build((s for s, _ in train), level) if found_kind == "pairs" else None),
        target_vocab=target_vocab or Vocabulary.build((t for _, t in train), level),
        dropped_empty=dropped_empty,
        header=header,
    )
