"""The notes a command prints to stderr about its data and options: lines or files skipped,
recommendations applied, options that have no use here. Notes, not errors: the command goes on."""

from __future__ import annotations

import os
import sys

from playground.config import RNN_FIELDS, TRANSFORMER_FIELDS


def note_skipped(source: str, corpus, shown: int = 3) -> None:
    """One stderr line for the unusable lines (or MIDI files) a source had: how many, the first few."""
    lines = [f"line {s.line} ({s.reason})" for s in getattr(corpus, "skipped", [])]
    files = [f"{os.path.basename(path)} ({reason})" for path, reason in (corpus.extra or {}).get("skipped_files", [])]
    what, items = ("MIDI file(s)", files) if files else ("line(s)", lines)
    if items:
        more = f", … ('playground data-info {source}' lists them)" if len(items) > shown else ""
        print(f"note: {source}: {len(items)} {what} skipped: {'; '.join(items[:shown])}{more}", file=sys.stderr)


_PAIRS_FILE_ONLY = ("header",)
_MUSIC_ONLY = ("encoding", "window", "transpose", "include_drums")


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def unused_options(args, source: str, mode: str | None = None, cell: str | None = None) -> list[str]:
    """Options given on the command line that this source (and model) has no use for."""
    from playground.data.tasks import BUILTIN_TASKS
    from playground.sources import is_music_source, is_sentence_file

    given = lambda name: getattr(args, name, None) not in (None, False)  # noqa: E731
    unused = []
    music, sentences = is_music_source(source), is_sentence_file(source)  # each sniffs the source once
    pairs = not music and (source in BUILTIN_TASKS or "::" in source or sentences)
    if not sentences or "::" in source:  # parallel files have no header line
        unused += [(name, "a sentence-pair file") for name in _PAIRS_FILE_ONLY if given(name)]
    if not pairs and given("columns"):
        unused.append(("columns", "pairs: files and built-in tasks"))
    if not music:
        unused += [(name, "MIDI sources") for name in _MUSIC_ONLY if given(name)]
    else:
        unused += [(name, "text") for name in ("level", "lowercase", "reverse_source", "max_length") if given(name)]
    if source not in BUILTIN_TASKS and given("task_size"):
        unused.append(("task_size", "built-in tasks"))
    if mode is not None:
        transformer = mode == "transformer" or cell == "transformer"
        if transformer:
            unused += [(name, "RNN modes") for name in RNN_FIELDS if given(name)]
        else:
            unused += [(name, "the Transformer") for name in TRANSFORMER_FIELDS if given(name)]
            if mode != "attention" and given("attention"):
                unused.append(("attention", "mode attention"))
    return [f"{_option(name)} (for {what})" for name, what in unused]


def note_unused(args, source: str, mode: str | None = None, cell: str | None = None) -> None:
    unused = unused_options(args, source, mode, cell)
    if unused:
        print(f"note: {source}: not used here: {', '.join(unused)}", file=sys.stderr)


def note_recommended(args, session) -> None:
    """One stderr line naming the recommendations a sentence-pair file brought (those the
    user did not choose), so a run never differs from its options' help without a word."""
    from playground.sources import SENTENCE_TRAINING, is_sentence_file

    if args.resume or getattr(args, "task", None) == "lm" or not is_sentence_file(args.source):
        return
    applied = []
    if args.level is None:
        applied.append(f"{session.corpus.options.level} tokens")
    if args.mode is None:
        applied.append(f"mode {session.model_config.mode}")
    config = session.train_config
    applied += [f"{key.replace('_', ' ')} {getattr(config, key):g}" if isinstance(getattr(config, key), float)
                else f"{key.replace('_', ' ')} {getattr(config, key)}"
                for key in SENTENCE_TRAINING if getattr(args, key, None) is None]
    if applied:
        print(f"note: {args.source}: sentence pairs, so the recommended {', '.join(applied)} "
              "(the options of the same names choose others)", file=sys.stderr)
