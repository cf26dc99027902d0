"""The command line's arguments: every value is checked where it is parsed, and every
error is one line naming its option (no usage dump)."""

from __future__ import annotations

import argparse
import math
import sys

from playground.exports import QUANTIZATIONS

EXIT_ERROR = 2


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line on stderr, exit code 2."""

    def error(self, message):
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _number(text: str, kind):
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a {'whole number' if kind is int else 'number'}")
    if kind is float and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def whole(low: int | None = None, high: int | None = None):
    """An argparse type: a whole number in [low, high]."""
    def parse(text: str) -> int:
        value = _number(text, int)
        if (low is not None and value < low) or (high is not None and value > high):
            raise argparse.ArgumentTypeError(_range_text(text, low, high, "a whole number"))
        return value
    parse.__name__ = "whole number"
    return parse


def real(low: float | None = None, high: float | None = None, *, low_open: bool = False):
    """An argparse type: a finite number in [low, high] ((low, high] when ``low_open``)."""
    def parse(text: str) -> float:
        value = _number(text, float)
        too_low = low is not None and (value <= low if low_open else value < low)
        if too_low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(_range_text(text, low, high, "a number", low_open))
        return value
    parse.__name__ = "number"
    return parse


def _range_text(given: str, low, high, what, low_open=False) -> str:
    """The rule, and the value as the user typed it."""
    show = lambda v: f"{v:,}" if isinstance(v, int) else f"{v:g}"  # noqa: E731
    if low is not None and high is not None:
        span = f"above {show(low)} up to {show(high)}" if low_open else f"from {show(low)} to {show(high)}"
        return f"must be {what} {span}, got {given}"
    if low is not None:
        return f"must be {what} {'>' if low_open else '>='} {show(low)}, got {given}"
    return f"must be {what} <= {show(high)}, got {given}"


def column_pair(text: str) -> tuple[int, int]:
    """"2,3" (1-based, as ``cut -f`` counts) → (1, 2), the 0-based (source, target) columns."""
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != 2 or not all(part.isdigit() and int(part) >= 1 for part in parts):
        raise argparse.ArgumentTypeError(f"expected two column numbers like 2,3 (1 = the first column), got {text!r}")
    source, target = (int(part) - 1 for part in parts)
    if source == target:
        raise argparse.ArgumentTypeError(f"the input and target columns must differ, got {text!r}")
    return source, target


def nonempty(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty")
    return text


POSITIVE = whole(1)
NON_NEGATIVE = whole(0)


def build_parser(commands) -> argparse.ArgumentParser:
    """The parser; ``commands`` maps command names to their functions."""
    from playground import __version__
    from playground.backend.selection import BACKENDS
    from playground.config import ATTENTIONS, CELLS, DEVICES, DISTRIBUTE, OPTIMIZERS, POSITIONS, SEQ2SEQ_MODES
    from playground.limits import MAX_BARS, MAX_BEAM_WIDTH, MAX_GENERATED_TOKENS, MAX_TASK_SIZE

    def global_args(p, default):
        p.add_argument("--debug", action="store_true", default=default,
                       help="show tracebacks and the runtimes' own log lines on errors")
        p.add_argument("--backend", choices=BACKENDS, default=default,
                       help="Keras backend (default: $KERAS_BACKEND, else tensorflow)")

    parser = OneLineParser(prog="playground", description="Seq2Seq Playground command line")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    global_args(parser, None)
    parser.set_defaults(debug=False)
    # Also after the command ("playground info m --debug"); SUPPRESS keeps a value given before it.
    after_command = argparse.ArgumentParser(add_help=False)
    global_args(after_command, argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    add_parser = sub.add_parser
    sub.add_parser = lambda name, **kw: add_parser(name, parents=[after_command], **kw)

    p = sub.add_parser("datasets", help="list the built-in datasets")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=commands["datasets"])

    def data_args(p):
        p.add_argument("--level", choices=("char", "word", "subword"),
                       help="tokens: characters (default; subword pieces for a sentence-pair file), words, or "
                            "subword pieces (SentencePiece, learned from the training split and stored in the "
                            "model file)")
        p.add_argument("--subword-vocab", type=whole(16, 64000), metavar="PIECES",
                       help="subword level: pieces per language (default 4000)")
        p.add_argument("--subword-model", choices=("unigram", "bpe"), help="subword level: SentencePiece model kind")
        p.add_argument("--lowercase", action="store_true")
        p.add_argument("--max-length", type=POSITIVE)
        p.add_argument("--max-samples", type=POSITIVE)
        p.add_argument("--sample", choices=("first", "random"),
                       help="which pairs --max-samples keeps: the first in the file (default) or a seeded random set")
        p.add_argument("--reverse-source", action="store_true", help="reverse source tokens (Sutskever et al.)")
        p.add_argument("--columns", type=column_pair, metavar="IN,TARGET",
                       help="sentence-pair files: the input and target columns, 1 = the first (default 1,2; "
                            "2,1 translates the other way)")
        p.add_argument("--header", action=argparse.BooleanOptionalAction, default=None,
                       help="sentence-pair files: the first line names the columns (--header) or is data "
                            "(--no-header); default: detected")
        p.add_argument("--val-split", type=real(0, 0.8))  # with the 0.1 test split, 10 % at least trains
        p.add_argument("--seed", type=int)
        p.add_argument("--task-size", type=whole(1, MAX_TASK_SIZE), help="pairs generated for a built-in task")

    def music_args(p):
        p.add_argument("--encoding", choices=("melody", "events"),
                       help="music: monophonic melody on a 16th-note grid (default) or polyphonic events")
        p.add_argument("--window", type=NON_NEGATIVE, metavar="TOKENS",
                       help="music: cut train/validation tunes into pieces of at most TOKENS tokens "
                            "(default 256; 0 = whole tunes); test tunes stay whole")
        p.add_argument("--transpose", action="store_true",
                       help="music: add training copies transposed by -2..+2 semitones")
        p.add_argument("--include-drums", action="store_true", help="music: keep MIDI channel 10 (drums)")

    force_help = "replace an existing file of another kind (never a folder we did not create, never an input)"

    p = sub.add_parser("data-info", help="describe a dataset: pairs, skipped lines, vocabularies, lengths")
    p.add_argument("source", type=nonempty)
    data_args(p)
    music_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=commands["data-info"])

    p = sub.add_parser("train", help="train a model; writes the model file after every epoch")
    p.add_argument("source", type=nonempty)
    p.add_argument("--out", required=True, help="model file to write (also the per-epoch checkpoint)")
    p.add_argument("--force", action="store_true", help=force_help)
    p.add_argument("--task", choices=("translate", "lm"))
    p.add_argument("--mode", choices=SEQ2SEQ_MODES,
                   help="default: attention; for a sentence-pair file the recommended Transformer (subword tokens)")
    # Unset options are None, so a run can tell a choice from a default (--resume refuses
    # choices that contradict the checkpoint) and recommendations apply where nothing was chosen.
    p.add_argument("--cell", choices=CELLS, help="default lstm")
    p.add_argument("--layers", type=whole(1, 4), help="default 1")
    p.add_argument("--units", type=whole(1, 8192), help="default 128")
    p.add_argument("--embedding-dim", type=whole(1, 4096), help="default 64")
    p.add_argument("--bidirectional", action="store_true", default=None)
    p.add_argument("--attention", choices=ATTENTIONS, help="default general")
    p.add_argument("--dropout", type=real(0, 0.9), help="default 0 (the sentence-file Transformer: 0.1)")
    t = p.add_argument_group("Transformer (--mode transformer; with --task lm: decoder-only blocks)")
    t.add_argument("--d-model", type=whole(8, 4096), help="block width (default 128)")
    t.add_argument("--heads", type=whole(1, 64), help="attention heads (default 4); must divide --d-model")
    t.add_argument("--ff-dim", type=whole(1, 16384), help="feed-forward size (default 512)")
    t.add_argument("--encoder-layers", type=whole(1, 12), help="default 2")
    t.add_argument("--decoder-layers", type=whole(1, 12), help="default 2")
    t.add_argument("--positions", choices=POSITIONS, help="default sinusoidal")
    p.add_argument("--epochs", type=whole(1, 100000), help="default: 10, or the built-in task's recommendation")
    p.add_argument("--batch-size", type=whole(1, 1 << 16), help="default: 64, or the built-in task's recommendation")
    p.add_argument("--learning-rate", type=real(0, low_open=True),
                   help="default: 0.003, or the built-in task's recommendation")
    p.add_argument("--optimizer", choices=OPTIMIZERS,
                   help="default: adam, or the recommendation for the data (adamw for sentence files)")
    p.add_argument("--warmup-steps", type=NON_NEGATIVE, help="batches of linear learning-rate warm-up "
                   "(default: 0, or the recommendation for the data and mode)")
    p.add_argument("--label-smoothing", type=real(0, 0.9), help="cross-entropy label smoothing (default 0)")
    p.add_argument("--early-stopping", type=NON_NEGATIVE, metavar="EPOCHS", help="default 0 (off)")
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.add_argument("--distribute", choices=DISTRIBUTE, default="auto",
                   help="auto: all local GPUs; mirrored; multi-worker (TensorFlow, hosts from TF_CONFIG); none")
    p.add_argument("--mixed-precision", action="store_true", default=None, help="float16 compute on GPU")
    p.add_argument("--resume", metavar="CHECKPOINT", help="continue training from a model file")
    p.add_argument("--tensorboard", metavar="DIR",
                   help="write TensorBoard event files (losses, accuracy, exact match, learning rate, "
                        "hyper-parameters) into DIR; view with: tensorboard --logdir DIR")
    data_args(p)
    music_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=commands["train"], seed=None)

    p = sub.add_parser("evaluate", help="exact match, token accuracy, BLEU, chrF on the test split or SOURCE")
    p.add_argument("model")
    p.add_argument("source", nargs="?")
    p.add_argument("--beam", type=whole(1, MAX_BEAM_WIDTH), default=1)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=commands["evaluate"])

    p = sub.add_parser("translate", help="translate TEXT (or stdin lines)")
    p.add_argument("model")
    p.add_argument("text", nargs="*")
    p.add_argument("--beam", type=whole(1, MAX_BEAM_WIDTH), default=1)
    p.add_argument("--n-best", type=whole(1, MAX_BEAM_WIDTH), default=1)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=commands["translate"])

    p = sub.add_parser("generate", help="generate from a language model")
    p.add_argument("model")
    p.add_argument("--seed", help="seed text; for music models a MIDI pitch (60) or a note name (C4 = 60, F#3)")
    p.add_argument("--length", type=whole(1, MAX_GENERATED_TOKENS), default=100,
                   help="at most this many tokens after the seed (text ends earlier where its line ends); music "
                        f"melody models: 16th-note steps (64 = 4 bars of 4/4); at most {MAX_GENERATED_TOKENS:,}")
    p.add_argument("--bars", type=real(0, MAX_BARS, low_open=True), help="music: bars to generate (overrides --length)")
    p.add_argument("--primer", metavar="MIDI", help="music: continue the first bars of this MIDI file")
    p.add_argument("--primer-bars", type=real(0, MAX_BARS, low_open=True), default=2.0,
                   help="music: bars of --primer to use (default 2)")
    p.add_argument("--temperature", type=real(0, low_open=True), default=1.0)
    p.add_argument("--top-k", type=NON_NEGATIVE, default=0)
    p.add_argument("--top-p", type=real(0, 1, low_open=True), default=1.0)
    p.add_argument("--random-seed", type=int, default=0, help="sampling seed (same seed → same output)")
    p.add_argument("--out", help="music: write the generated tune as MIDI")
    p.add_argument("--wav", help="music: also render it to WAV")
    p.add_argument("--force", action="store_true", help=force_help)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=commands["generate"])

    p = sub.add_parser("export", help="export for other runtimes")
    p.add_argument("model")
    p.add_argument("--format", default="savedmodel",
                   help="savedmodel (the default: TensorFlow, strings in and out), onnx or tflite (encoder + "
                        "decoder-step graphs, run by playground.portable or any ONNX/LiteRT runtime)")
    p.add_argument("--quantize", choices=QUANTIZATIONS, help="tflite: quantise the weights")
    p.add_argument("--out", required=True)
    p.add_argument("--force", action="store_true", help=force_help)
    p.set_defaults(func=commands["export"])

    p = sub.add_parser("info", help="describe a model file")
    p.add_argument("model")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=commands["info"])
    return parser


def stdin_lines(stream=None, max_chars: int | None = None):
    """The lines of ``stream`` (stdin), each read with a length cap: a longer line (or endless
    input with no newline, like /dev/zero) is an error naming its number. A blank line is
    yielded as "", so outputs can stay line for line with the input."""
    from playground.limits import MAX_STDIN_LINE_CHARS

    stream = stream or sys.stdin
    max_chars = max_chars or MAX_STDIN_LINE_CHARS
    number = 0
    while True:
        line = stream.readline(max_chars + 1)
        if not line:
            return
        number += 1
        if len(line) > max_chars and not line.endswith("\n"):
            raise ValueError(f"stdin line {number}: longer than {max_chars:,} characters; refused")
        if "\x00" in line:
            raise ValueError(f"stdin line {number}: holds NUL characters (binary input?); refused")
        yield line.rstrip("\r\n") if line.strip() else ""
