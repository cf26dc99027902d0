"""Command line: ``playground datasets | data-info | train | evaluate | translate | generate |
export | info``. Every error is one line on stderr with exit code 2 (``--debug`` for a traceback);
Ctrl-C anywhere is one line saying what was kept, exit code 130."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from playground.cli_interrupt import EXIT_INTERRUPTED, EXIT_TERMINATED, Interrupt
from playground import cli_notes
from playground.cli_parser import EXIT_ERROR, stdin_lines
from playground.cli_parser import build_parser as _build_parser


class CliError(Exception):
    """A user-facing error: printed as one line, exit code 2."""


class Kept:
    """What a command has written so far: the line printed if it is interrupted."""

    def __init__(self):
        self.text = "nothing was written"


def _print_json(data) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=_json_default))


def _json_default(value):
    try:
        import numpy as np

        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            return value.tolist()
    except ImportError:
        pass
    return str(value)


# -- datasets / data-info ------------------------------------------------------------------

def cmd_datasets(args) -> int:
    from playground.sources import builtin_sources

    rows = builtin_sources()
    if args.json:
        _print_json(rows)
    else:
        width = max(len(r["name"]) for r in rows)
        for row in rows:
            print(f"{row['name']:<{width}}  {row['kind']:<6}  {row['description']}")
    return 0


def _data_options(args, **overrides):
    from playground.data.source import DataOptions

    return DataOptions(**_chosen_data_options(args, **overrides))


def _chosen_data_options(args, **overrides) -> dict:
    """The data options given on the command line (checked), without the defaults."""
    from playground.data.source import DataOptions

    values = {}
    for field in ("level", "max_samples", "val_split", "seed", "max_length", "task_size", "subword_vocab",
                  "subword_model", "sample", "columns", "header"):
        value = getattr(args, field, None)
        if value is not None:
            values[field] = value
    if getattr(args, "lowercase", False):
        values["lowercase"] = True
    if getattr(args, "reverse_source", False):
        values["reverse_source"] = True
    values.update(overrides)
    DataOptions(**values)  # bad combinations fail here, before any work
    return values


def cmd_data_info(args) -> int:
    from playground.sources import load_any_source

    from playground.data.source import DataOptions
    from playground.sources import is_sentence_file, recommended_data_options

    options = DataOptions(**recommended_data_options(args.source, _chosen_data_options(args)))  # as train reads it
    cli_notes.note_unused(args, args.source)
    corpus = load_any_source(args.source, options, **_music_source_args(args))
    info = corpus.describe()
    if corpus.kind == "music":
        info = _music_info(corpus, info)
    info["preview"] = [list(row) for row in corpus.preview()]
    if args.json:
        _print_json(info)
        return 0
    print(f"{args.source}: {info.get('kind')}")
    for key, value in info.items():
        if key in ("skipped_lines", "options", "preview") or (key == "extra" and corpus.kind == "music"):
            continue  # a music source's extra (histogram, summary) is for --json
        if key == "header" and (corpus.kind != "pairs" or "::" in args.source):  # parallel files have none
            continue
        if key == "header" and value is None and is_sentence_file(args.source):
            print("  header: none (line 1 is data; --header if it names the columns)")
            continue
        print(f"  {key}: {json.dumps(value, ensure_ascii=False, default=_json_default)}")
    for line in info.get("skipped_lines", [])[:20]:
        print(f"  skipped line {line.get('line')}: {line.get('reason')}")
    print("  first training examples, as the model sees them:")
    for source, target in info["preview"]:
        source, target = _shortened(source, 71), _shortened(target, 71)
        print(f"    {source!r} → {target!r}" if corpus.kind == "pairs" else f"    {target!r}")
    return 0


def _music_source_args(args, meta: dict | None = None) -> dict:
    """Music-only loading options given on the command line, over a model's own (``meta``);
    the rest keep the loader's defaults. Ignored by other kinds of source."""
    from playground.sources import music_options

    values = music_options(meta)
    values.pop("transpose", None)  # transposed copies are for training, not for scoring other data
    for key in ("encoding", "window"):
        if getattr(args, key, None) is not None:
            values[key] = getattr(args, key)
    for key in ("transpose", "include_drums"):
        if getattr(args, key, False):
            values[key] = True
    return values


def _music_info(corpus, info: dict) -> dict:
    """A music corpus' description with the MIDI facts at top level: tunes, notes, skipped."""
    extra = corpus.extra
    summary = extra.get("summary", {})
    skipped = [{"path": p, "reason": r} for p, r in extra.get("skipped_files", [])]
    head = {"name": info["name"], "kind": "music", "tunes": summary.get("tunes"), "notes": summary.get("notes"),
            "skipped": skipped, "skipped_count": len(skipped), "encoding": extra.get("encoding"),
            "pitch_range": extra.get("pitch_range"),  # of the encoded training tokens (the melody's, for melody)
            "file_pitch_range": summary.get("pitch_range"),  # of every note in the files, accompaniment too
            "time_signature": extra.get("time_signature"),
            "tempo_bpm": extra.get("tempo_bpm"), "window": extra.get("window"),
            "split_tunes": summary.get("split_tunes"), "split": summary.get("split"), "tokens": summary.get("tokens")}
    rest = {k: v for k, v in info.items() if k not in head and k not in ("skipped_lines",)}
    if summary.get("split") == "the dataset's own":
        rest.pop("split_seed", None)  # no seed chose it
    rest["extra"] = {k: v for k, v in extra.items() if k not in ("skipped_files", "primers")}
    rest["extra"]["primers"] = len(extra.get("primers", []))
    return {**head, **rest}


# -- train ---------------------------------------------------------------------------------

class _Progress:
    """A one-line progress bar on a terminal; plain lines otherwise."""

    def __init__(self, stream, as_json: bool, interrupt=None, kept=None):
        self.stream = stream
        self.tty = stream.isatty() and not as_json
        self.as_json = as_json
        self.batches = 1
        self.epochs = 1
        self.last_plain = 0.0
        self.interrupt, self.kept = interrupt, kept
        self.saved = False  # a model file was written by this run

    def __call__(self, event):
        from playground.training import events as ev

        if self.interrupt is not None and self.interrupt.requested and not isinstance(event, ev.ModelSaved):
            # A Ctrl-C whose KeyboardInterrupt was lost inside TensorFlow: the trainer stops at
            # this batch; at any other step the interrupt goes on up (what was saved stays).
            if isinstance(event, (ev.BatchEnd, ev.EpochEnd)):
                raise ev.StopTraining()
            raise KeyboardInterrupt
        if isinstance(event, ev.EpochEnd) and event.checkpoint and self.kept is not None:
            self.saved = True
            self.kept.text = f"the last finished epoch ({event.epoch + 1}) is kept in {event.checkpoint}"
        if isinstance(event, ev.ModelSaved) and self.kept is not None:
            self.saved = True
            trained = ev.count(event.epochs_completed, "epoch")
            self.kept.text = (f"the trained model ({trained}) is saved in {event.path}"
                              + ("" if event.final else ", without test metrics"))
        if isinstance(event, ev.Evaluating):
            self._line(f"evaluating on the {event.items:,} test items…")
        if isinstance(event, ev.TrainStarted):
            self.batches, self.epochs = max(event.batches_per_epoch, 1), event.epochs
            self._line(f"training on {event.device}: {event.train_examples} train / {event.val_examples} "
                       f"val examples, {event.parameters:,} parameters, {event.batches_per_epoch} batches/epoch")
        elif isinstance(event, ev.BatchEnd):
            if self.tty:
                done = (event.batch + 1) / self.batches
                bar = "#" * int(done * 24)
                eta = ev.clock(event.eta_seconds)
                self.stream.write(f"\repoch {event.epoch + 1}/{self.epochs} [{bar:<24}] loss {event.loss:.4f} "
                                  f"acc {event.token_accuracy:.3f} {event.samples_per_second:,.0f}/s ETA {eta}  ")
                self.stream.flush()
            elif time.monotonic() - self.last_plain > 10 and not self.as_json:
                self.last_plain = time.monotonic()
                self._line(f"epoch {event.epoch + 1} batch {event.batch + 1}/{self.batches} loss {event.loss:.4f} "
                           f"ETA {ev.clock(event.eta_seconds)}")
        elif isinstance(event, ev.EpochEnd):
            if self.tty:
                self.stream.write("\n")
            parts = [f"epoch {event.epoch + 1}/{self.epochs}", f"loss {event.train_loss:.4f}"]
            if event.val_loss is not None:
                parts.append(f"val_loss {event.val_loss:.4f} val_acc {event.val_token_accuracy:.3f}")
            if event.val_exact_match is not None:
                parts.append(f"val_exact {event.val_exact_match:.3f}")
            parts.append(f"{event.elapsed:.0f}s")
            self._line("  ".join(parts))
            for source, expected, produced in event.samples:
                self._line(_sample_line(source, expected, produced))
        elif isinstance(event, ev.TrainFinished):
            if self.tty:
                self.stream.write("\n")
            if event.status not in ev.FAILED:  # a failure is the command's one error line
                self._line(f"{event.status}: {event.message}")

    def _line(self, text):
        if not self.as_json:
            print(text, file=self.stream, flush=True)


def _sample_line(source: str, expected: str, produced: str, limit: int = 60) -> str:
    """One validation sample on one line: a language model's continuation after its prompt
    (the prompt's end shown), each part cut at ``limit`` characters (a tune is thousands)."""
    from playground.training.events import continuation

    expected, produced, continued = continuation(source, expected, produced)
    if continued:
        prompt = source if len(source) <= limit // 2 else "…" + source[1 - limit // 2:]
        return f"    {prompt!r} + {_shortened(produced, limit)!r} (expected + {_shortened(expected, limit)!r})"
    source, expected, produced = (_shortened(text, limit) for text in (source, expected, produced))
    return f"    {source!r} → {produced!r} (expected {expected!r})"


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def train_request(args, out: str):
    """The TrainRequest of ``playground train`` (options left out are None: not chosen)."""
    from playground.training.session import TrainRequest

    model = {"mode": args.mode, "cell": args.cell, "layers": args.layers, "units": args.units,
             "embedding_dim": args.embedding_dim, "bidirectional": args.bidirectional,
             "attention": args.attention, "dropout": args.dropout, "d_model": args.d_model, "heads": args.heads,
             "ff_dim": args.ff_dim, "encoder_layers": args.encoder_layers, "decoder_layers": args.decoder_layers,
             "positions": args.positions}
    train = {"epochs": args.epochs, "batch_size": args.batch_size, "learning_rate": args.learning_rate,
             "warmup_steps": args.warmup_steps, "label_smoothing": args.label_smoothing,
             "optimizer": args.optimizer, "seed": args.seed, "device": args.device, "distribute": args.distribute,
             "early_stopping": args.early_stopping, "mixed_precision": args.mixed_precision}
    return TrainRequest(source=args.source, out=str(out), data_options=_chosen_data_options(args),
                        music=_music_source_args(args), task=args.task, model=model, train=train,
                        resume=args.resume, tensorboard=args.tensorboard, force=args.force)


def _output(path, writes: str, **checks) -> Path:
    """:func:`playground.paths.check_output`, and a note when the folder it goes in is new."""
    from playground.paths import check_output

    out = check_output(path, writes, **checks)
    folder = out.absolute().parent
    if not folder.exists():
        print(f"note: {folder} does not exist; it will be created", file=sys.stderr)
    return out


def cmd_train(args) -> int:
    from playground.paths import source_files
    from playground.training import events as ev
    from playground.training.session import TrainingSession

    out = _output(args.out, "model", inputs=source_files(args.source), force=args.force)
    request = train_request(args, out)
    progress = _Progress(sys.stderr, args.json, args.interrupt, args.kept)
    session = TrainingSession(request, progress)
    session.prepare()
    if getattr(session.corpus, "header", None):
        source_column, target_column = (c + 1 for c in session.corpus.options.columns)
        print(f"note: {args.source}: line 1 looks like a header ({session.corpus.header!r}); not trained on. "
              f"Input column {source_column}, target column {target_column} (--columns chooses others)",
              file=sys.stderr)
    cli_notes.note_skipped(args.source, session.corpus)
    cli_notes.note_recommended(args, session)
    cli_notes.note_unused(args, args.source, session.model_config.mode, session.model_config.cell)
    try:
        result = session.run()
    except KeyboardInterrupt:
        session.stop()
        raise
    args.interrupt.check()  # a Ctrl-C that the trainer turned into a stop
    if result.status in ev.FAILED:
        kept = f"; {args.kept.text}" if progress.saved else ""
        raise CliError(f"training failed: {result.message}{kept}")
    summary = {"status": result.status, "message": result.message, "epochs": result.epochs_completed,
               "model": result.model_path, "test_metrics": result.metrics,
               "train_config": result.train_config.to_dict()}
    if args.json:
        _print_json(summary)
    else:
        metrics = result.metrics
        shown = ", ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in metrics.items())
        print(f"saved {result.model_path}" + (f"; test: {shown}" if shown else ""))
    return 0


# -- using a model -------------------------------------------------------------------------

def _load_predictor(path):
    from playground.modelfile import load_model
    from playground.inference.predictor import Predictor

    return Predictor(load_model(path, compile=False))


def cmd_evaluate(args) -> int:
    from playground.inference.evaluate import evaluate

    predictor = _load_predictor(args.model)
    meta = predictor.model.meta
    if args.source:
        from playground.data.source import DataOptions
        from playground.sources import load_any_source

        options = DataOptions.from_dict({**meta["data_options"], "val_split": 0.0, "test_split": 0.0})
        corpus = load_any_source(args.source, options, task="lm" if predictor.is_lm else None,
                                 vocabularies=(predictor.source_vocab, predictor.target_vocab),
                                 **_music_source_args(args, meta))
        expected = meta.get("corpus_kind", "pairs")
        if corpus.kind != expected:
            what = {"pairs": "sentence pairs", "text": "text", "music": "MIDI music"}
            raise CliError(f"{args.source}: {what.get(corpus.kind, corpus.kind)}, but {args.model} was trained on "
                           f"{what.get(expected, expected)}; evaluate it on a source of that kind")
        examples = corpus.train + corpus.val + corpus.test
        cli_notes.note_skipped(args.source, corpus)
    else:
        examples = [(s, t) for s, t in meta.get("test_examples", [])]
    result = evaluate(predictor, examples, beam_width=args.beam)
    outputs = result.pop("outputs", [])
    if args.json:
        _print_json(result)
    else:
        for key, value in result.items():
            print(f"{key}: {value:.4f}" if isinstance(value, float) else f"{key}: {value}")
        for source, expected, produced in outputs:
            print(f"  {source!r} → {produced!r} (expected {expected!r})")
    return 0


def cmd_translate(args) -> int:
    predictor = _load_predictor(args.model)
    if predictor.is_lm:
        raise CliError(f"{args.model}: a language model; use 'playground generate'")
    texts = args.text or list(stdin_lines())
    beam = max(args.beam, args.n_best)
    from playground.inference.predictor import InputTooLong

    given = [i for i, text in enumerate(texts) if text.strip()]  # a blank line gets a blank output
    try:
        translated = predictor.translate([texts[i] for i in given], beam_width=beam, n_best=args.n_best) \
            if given else []
    except InputTooLong as exc:
        index = given[exc.index]
        where = f"input {index + 1}" if args.text else f"stdin line {index + 1}"
        raise CliError(f"{where}: {exc}") from None
    results = dict(zip(given, translated))
    score_kind = "length-normalised log-probability (beam)" if beam > 1 else "log-probability"
    if args.json:
        _print_json([{"input": text, "output": r.text, "score": r.score, "score_kind": score_kind,
                      "log_probability": r.log_probability, "unknown": r.unknown,
                      "n_best": [{"output": o, "score": s} for o, s in r.n_best], "sentences": r.pieces}
                     if r is not None else {"input": text, "output": "", "score": None, "score_kind": score_kind,
                                            "log_probability": None, "unknown": [], "n_best": [], "sentences": 0}
                     for text, r in ((text, results.get(i)) for i, text in enumerate(texts))])
        return 0
    for i in range(len(texts)):
        r = results.get(i)
        if r is None:
            if args.n_best == 1:
                print()
        elif args.n_best > 1:  # input number, rank, beam score, output: one list per input
            for rank, (output, score) in enumerate(r.n_best, 1):
                print(f"{i + 1}\t{rank}\t{score:.4f}\t{output}")
        else:
            print(r.text)
        if r is not None and r.unknown:
            print(f"note: input {i + 1}: unknown input tokens {r.unknown} were read as <unk>", file=sys.stderr)
    return 0


def cmd_generate(args) -> int:
    from playground.modelfile import load_model

    inputs = [args.model, args.primer]
    outputs = {}
    for option, writes in (("out", "midi"), ("wav", "wav")):
        if getattr(args, option) is not None:
            outputs[option] = _output(getattr(args, option), writes, option=f"--{option}", inputs=inputs,
                                      force=args.force)
    if len(outputs) == 2 and Path(args.out).resolve() == Path(args.wav).resolve():
        raise CliError(f"{args.out}: --out and --wav name the same file")
    if args.primer:
        from playground.paths import require_regular_file

        require_regular_file(args.primer, "MIDI file")
        if args.seed is not None:
            raise CliError("give --seed or --primer, not both: a primer's own notes start the music")
    model = load_model(args.model, compile=False)
    if not model.config.is_lm:
        raise CliError(f"{args.model}: a translation model; use 'playground translate' (generate needs a "
                       "language model, trained on text or music)")
    if model.meta.get("corpus_kind") == "music":
        from playground.inference.music import generate_music_cli

        return generate_music_cli(model, args)
    from playground.inference.predictor import Predictor

    predictor = Predictor(model)
    if args.out or args.wav:
        raise CliError(f"{args.model}: --out/--wav are for music models")
    if args.primer:
        raise CliError(f"{args.model}: --primer is for music models")
    if args.bars is not None:
        raise CliError(f"{args.model}: --bars is for music models (text: --length)")
    text, unknown = predictor.generate(args.seed or "", length=args.length, temperature=args.temperature,
                                       top_k=args.top_k, top_p=args.top_p, seed=args.random_seed)
    if args.json:
        _print_json({"seed": args.seed, "output": text, "unknown": unknown})
    else:
        print(text)
        if unknown:
            print(f"note: unknown seed tokens {unknown} were read as <unk>", file=sys.stderr)
    return 0


def cmd_export(args) -> int:
    from playground.savedmodel import FORMATS

    if args.format not in FORMATS:
        raise CliError(f"unknown export format {args.format!r}. Valid options: {', '.join(FORMATS)}")
    if args.quantize and args.format != "tflite":
        raise CliError("--quantize applies to --format tflite only")
    out = _output(args.out, "export", inputs=[args.model], force=args.force)
    from playground.modelfile import load_model
    from playground.savedmodel import export_model

    model = load_model(args.model, compile=False)
    path = export_model(model, out, args.format, quantize=args.quantize, model_path=str(args.model))
    args.kept.text = f"the export is complete in {path}"
    if args.format != "savedmodel":
        sizes = ", ".join(f"{f.name} {f.stat().st_size / 1e6:.2f} MB" for f in sorted(path.glob(f"*.{args.format}")))
        print(f"exported {args.model} → {path} ({args.format}: {sizes}; model.json; see {path}/README.txt)")
    elif model.meta.get("data_options", {}).get("level") == "subword":
        print(f"exported {args.model} → {path} (signature 'translate': strings → strings, SentencePiece in the "
              f"graph; also 'translate_ids': ids → ids, with source.spm, target.spm and tokens.json; see "
              f"{path}/README.txt)")
    else:
        print(f"exported {args.model} → {path} (signature 'translate': strings → strings)")
    return 0


def cmd_info(args) -> int:
    from playground.backend.selection import requested_backend
    from playground.modelfile import read_meta
    from playground.sources import music_options

    meta = read_meta(args.model, check_weights_too=True)  # a file that would not load is not "fine"
    info = {
        "model": str(args.model),
        "task": meta.get("task"),
        "source": meta.get("source"),
        "model_config": meta.get("model_config"),
        "train_config": meta.get("train_config"),
        "data_options": meta.get("data_options"),
        "epochs_completed": meta.get("epochs_completed"),
        "trained_on": meta.get("device"),
        "backend": requested_backend(),  # what this command would load it with
        "metrics": meta.get("metrics"),
        "vocab_sizes": {"source": len((meta.get("source_vocab") or {}).get("tokens", [])) or None,
                        "target": len(meta.get("target_vocab", {}).get("tokens", []))},
        "test_items": len(meta.get("test_examples", [])),
        "history": [{k: v for k, v in e.items() if k != "samples"} for e in meta.get("history", {}).get("epochs", [])],
    }
    music = music_options(meta)
    if music:  # how a music model reads MIDI: what generate, evaluate and resume use
        info["music"] = music
    if args.json:
        _print_json(info)
    else:
        info["model_config"] = _relevant_config(info["model_config"] or {})
        for key, value in info.items():
            print(f"{key}: {json.dumps(value, ensure_ascii=False, default=_json_default)}")
    return 0


def _relevant_config(config: dict) -> dict:
    """The fields that shape this architecture (--json keeps them all)."""
    from playground.config import RNN_FIELDS, TRANSFORMER_FIELDS

    transformer = config.get("mode") == "transformer" or config.get("cell") == "transformer"
    dropped = set(RNN_FIELDS if transformer else TRANSFORMER_FIELDS)
    if transformer and config.get("mode") != "transformer":
        dropped.discard("cell")  # a decoder-only language model says its cell: "transformer"
    if config.get("mode") != "attention":
        dropped.add("attention")
    if config.get("mode") == "lm":
        dropped |= {"encoder_layers", "bidirectional"}
    return {k: v for k, v in config.items() if k not in dropped}


# -- entry point ---------------------------------------------------------------------------

COMMANDS = {"datasets": cmd_datasets, "data-info": cmd_data_info, "train": cmd_train, "evaluate": cmd_evaluate,
            "translate": cmd_translate, "generate": cmd_generate, "export": cmd_export, "info": cmd_info}
_NO_BACKEND = ("datasets", "data-info", "info")


def build_parser():
    return _build_parser(COMMANDS)


def main(argv=None) -> int:
    interrupt = Interrupt()
    command = "?"
    kept = Kept()
    debug = False
    try:
        with interrupt:
            args = build_parser().parse_args(argv)
            command, debug = args.command, args.debug
            args.interrupt, args.kept = interrupt, kept
            from playground.backend.selection import select_backend

            if args.command in _NO_BACKEND:
                select_backend(args.backend)  # a wrong choice is still reported; nothing heavy loads
            else:
                from playground.backend.loading import load_backend

                if args.debug:  # the runtimes' own log lines too
                    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0")
                load_backend(args.backend, quiet=not args.debug)
            code = args.func(args)
            interrupt.check()
            return code
    except KeyboardInterrupt:
        interrupt.ignore_more()
        print(f"playground {command}: {interrupt.what}; {kept.text}", file=sys.stderr, flush=True)
        return interrupt.exit_code
    except BrokenPipeError:
        return 0
    except Exception as exc:  # one clear line, never a traceback unless asked
        if debug:
            raise
        print(f"playground {command}: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR


def _one_line(exc: Exception) -> str:
    """An error as one line; an OS error as "PATH: reason" (not "[Errno 36] …: 'PATH'"), a
    very long path cut in its middle."""
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        name = str(exc.filename)
        name = name if len(name) <= 80 else f"{name[:40]}…{name[-30:]} ({len(name):,} characters)"
        return f"{name}: {exc.strerror.lower() if exc.strerror[1:].islower() else exc.strerror}"
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def entry_point() -> int:
    """The console script and ``python -m playground``: ``main()``, then an exit that keeps
    the code 130 after Ctrl-C. (A KeyboardInterrupt that lands in code a C extension runs,
    as TensorFlow's import does, makes CPython kill itself with SIGINT at shutdown even
    though the exception was handled; ``os._exit`` skips that: all was saved or cleaned up.)"""
    code = main()
    if code in (EXIT_INTERRUPTED, EXIT_TERMINATED):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


if __name__ == "__main__":
    raise SystemExit(entry_point())
