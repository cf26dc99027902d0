"""Command line: ``playground datasets | data-info | train | evaluate | translate | generate |
export | info``. Every error is one line on stderr with exit code 2 (``--debug`` for a traceback)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

EXIT_ERROR = 2


class CliError(Exception):
    """A user-facing error: printed as one line, exit code 2."""


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

    values = {}
    for field in ("level", "max_samples", "val_split", "seed", "max_length", "task_size"):
        value = getattr(args, field, None)
        if value is not None:
            values[field] = value
    if getattr(args, "lowercase", False):
        values["lowercase"] = True
    if getattr(args, "reverse_source", False):
        values["reverse_source"] = True
    values.update(overrides)
    return DataOptions(**values)


def cmd_data_info(args) -> int:
    from playground.sources import load_any_source

    corpus = load_any_source(args.source, _data_options(args), **_music_source_args(args))
    info = corpus.describe()
    if corpus.kind == "music":
        info = _music_info(corpus, info)
    if args.json:
        _print_json(info)
        return 0
    print(f"{args.source}: {info.get('kind')}")
    for key, value in info.items():
        if key in ("skipped_lines", "options"):
            continue
        print(f"  {key}: {json.dumps(value, ensure_ascii=False, default=_json_default)}")
    for line in info.get("skipped_lines", [])[:20]:
        print(f"  skipped line {line.get('line')}: {line.get('reason')}")
    return 0


def _music_source_args(args, meta: dict | None = None) -> dict:
    """Music-only loading options from the command line (or a resumed model's meta);
    ignored by other kinds of source."""
    extra = (meta or {}).get("extra", {}) or {}
    encoding = getattr(args, "encoding", None) or extra.get("encoding") or "melody"
    window = getattr(args, "window", None)
    if window is None:
        window = extra.get("window", 256)
    return {"encoding": encoding, "window": int(window), "transpose": bool(getattr(args, "transpose", False)),
            "include_drums": bool(getattr(args, "include_drums", False))}


def _music_info(corpus, info: dict) -> dict:
    """A music corpus' description with the MIDI facts at top level: tunes, notes, skipped."""
    extra = corpus.extra
    summary = extra.get("summary", {})
    skipped = [{"path": p, "reason": r} for p, r in extra.get("skipped_files", [])]
    head = {"name": info["name"], "kind": "music", "tunes": summary.get("tunes"), "notes": summary.get("notes"),
            "skipped": skipped, "skipped_count": len(skipped), "encoding": extra.get("encoding"),
            "pitch_range": extra.get("pitch_range"), "time_signature": extra.get("time_signature"),
            "tempo_bpm": extra.get("tempo_bpm"), "window": extra.get("window"),
            "split_tunes": summary.get("split_tunes"), "tokens": summary.get("tokens")}
    rest = {k: v for k, v in info.items() if k not in head and k not in ("skipped_lines",)}
    rest["extra"] = {k: v for k, v in extra.items() if k not in ("skipped_files",)}
    return {**head, **rest}


# -- train ---------------------------------------------------------------------------------

class _Progress:
    """A one-line progress bar on a terminal; plain lines otherwise."""

    def __init__(self, stream, as_json: bool):
        self.stream = stream
        self.tty = stream.isatty() and not as_json
        self.as_json = as_json
        self.batches = 1
        self.epochs = 1
        self.last_plain = 0.0

    def __call__(self, event):
        from playground.training import events as ev

        if isinstance(event, ev.TrainStarted):
            self.batches, self.epochs = max(event.batches_per_epoch, 1), event.epochs
            self._line(f"training on {event.device}: {event.train_examples} train / {event.val_examples} "
                       f"val examples, {event.parameters:,} parameters, {event.batches_per_epoch} batches/epoch")
        elif isinstance(event, ev.BatchEnd):
            if self.tty:
                done = (event.batch + 1) / self.batches
                bar = "#" * int(done * 24)
                eta = time.strftime("%M:%S", time.gmtime(event.eta_seconds))
                self.stream.write(f"\repoch {event.epoch + 1}/{self.epochs} [{bar:<24}] loss {event.loss:.4f} "
                                  f"acc {event.token_accuracy:.3f} {event.samples_per_second:,.0f}/s ETA {eta}  ")
                self.stream.flush()
            elif time.monotonic() - self.last_plain > 10 and not self.as_json:
                self.last_plain = time.monotonic()
                self._line(f"epoch {event.epoch + 1} batch {event.batch + 1}/{self.batches} loss {event.loss:.4f} "
                           f"ETA {event.eta_seconds:.0f}s")
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
                self._line(f"    {source!r} → {produced!r} (expected {expected!r})")
        elif isinstance(event, ev.TrainFinished):
            if self.tty:
                self.stream.write("\n")
            self._line(f"{event.status}: {event.message}")

    def _line(self, text):
        if not self.as_json:
            print(text, file=self.stream, flush=True)


def cmd_train(args) -> int:
    from playground.config import ModelConfig, TrainConfig
    from playground.modelfile import load_model, save_model
    from playground.sources import load_any_source
    from playground.training.trainer import Trainer

    out = Path(args.out)
    resume_model = None
    if args.resume:
        resume_model = load_model(args.resume)
        from playground.data.source import DataOptions

        options = DataOptions.from_dict(resume_model.meta["data_options"])
    else:
        options = _data_options(args)
    corpus = load_any_source(args.source, options, task=args.task,
                             **_music_source_args(args, resume_model.meta if resume_model else None))
    task = args.task or ("lm" if corpus.kind in ("text", "music") else "translate")
    if task == "translate" and corpus.kind != "pairs":
        raise CliError(f"{args.source}: a {corpus.kind} source trains a language model (--task lm), not translate")
    mode = "lm" if task == "lm" else args.mode
    from playground.sources import recommended_training

    for key, value in recommended_training(args.source).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    model_config = ModelConfig(mode=mode, cell=args.cell, layers=args.layers, units=args.units,
                               embedding_dim=args.embedding_dim, bidirectional=args.bidirectional,
                               attention=args.attention, dropout=args.dropout)
    train_config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.learning_rate,
                               optimizer=args.optimizer, seed=args.seed, device=args.device,
                               early_stopping=args.early_stopping, mixed_precision=args.mixed_precision)
    progress = _Progress(sys.stderr, args.json)
    trainer = Trainer(corpus, model_config, train_config, callback=progress, checkpoint_path=out,
                      resume_model=resume_model)
    try:
        result = trainer.run()
    except KeyboardInterrupt:
        trainer.stop()
        raise CliError(f"interrupted; the last finished epoch is kept in {out}")
    if result.status == "error":
        raise CliError(f"training failed: {result.message} (the last good checkpoint, if any, is {out})")
    metrics = {}
    if result.epochs_completed or result.status == "stopped":
        from playground.evaluate import evaluate
        from playground.predictor import Predictor

        if corpus.test:
            metrics = evaluate(Predictor(result.model), corpus.test)
            metrics.pop("outputs", None)
            result.model.meta["metrics"] = metrics
        save_model(result.model, out)
    summary = {"status": result.status, "message": result.message, "epochs": result.epochs_completed,
               "model": str(out), "test_metrics": metrics}
    if args.json:
        _print_json(summary)
    else:
        shown = ", ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in metrics.items())
        print(f"saved {out}" + (f"; test: {shown}" if shown else ""))
    return 0 if result.status in ("done", "early_stopped", "stopped") else EXIT_ERROR


# -- using a model -------------------------------------------------------------------------

def _load_predictor(path):
    from playground.modelfile import load_model
    from playground.predictor import Predictor

    return Predictor(load_model(path, compile=False))


def cmd_evaluate(args) -> int:
    from playground.evaluate import evaluate

    predictor = _load_predictor(args.model)
    if args.source:
        from playground.data.source import DataOptions
        from playground.sources import load_any_source

        options = DataOptions.from_dict({**predictor.model.meta["data_options"], "val_split": 0.0,
                                         "test_split": 0.0})
        corpus = load_any_source(args.source, options)
        examples = corpus.train + corpus.val + corpus.test
    else:
        examples = [(s, t) for s, t in predictor.model.meta.get("test_examples", [])]
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
    texts = args.text or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    beam = max(args.beam, args.n_best)
    results = predictor.translate(texts, beam_width=beam, n_best=args.n_best)
    if args.json:
        _print_json([{"input": text, "output": r.text, "score": r.score, "unknown": r.unknown,
                      "n_best": [{"output": o, "score": s} for o, s in r.n_best]}
                     for text, r in zip(texts, results)])
        return 0
    for r in results:
        if args.n_best > 1:
            for rank, (output, score) in enumerate(r.n_best, 1):
                print(f"{rank}\t{score:.4f}\t{output}")
        else:
            print(r.text)
        if r.unknown:
            print(f"note: unknown input tokens {r.unknown} were read as <unk>", file=sys.stderr)
    return 0


def cmd_generate(args) -> int:
    from playground.modelfile import load_model

    model = load_model(args.model, compile=False)
    if model.meta.get("corpus_kind") == "music":
        from playground.music_generate import generate_music_cli

        return generate_music_cli(model, args)
    from playground.predictor import Predictor

    predictor = Predictor(model)
    if args.out or args.wav:
        raise CliError(f"{args.model}: --out/--wav are for music models")
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
    from playground.export import export_savedmodel
    from playground.modelfile import load_model

    if args.format != "savedmodel":
        raise CliError(f"unknown export format {args.format!r}. Valid options: savedmodel")
    path = export_savedmodel(load_model(args.model, compile=False), args.out)
    print(f"exported {args.model} → {path} (signature 'translate': strings → strings)")
    return 0


def cmd_info(args) -> int:
    from playground.modelfile import read_meta

    meta = read_meta(args.model)
    info = {
        "model": str(args.model),
        "task": meta.get("task"),
        "source": meta.get("source"),
        "model_config": meta.get("model_config"),
        "train_config": meta.get("train_config"),
        "data_options": meta.get("data_options"),
        "epochs_completed": meta.get("epochs_completed"),
        "device": meta.get("device"),
        "metrics": meta.get("metrics"),
        "vocab_sizes": {"source": len((meta.get("source_vocab") or {}).get("tokens", [])) or None,
                        "target": len(meta.get("target_vocab", {}).get("tokens", []))},
        "test_items": len(meta.get("test_examples", [])),
        "history": [{k: v for k, v in e.items() if k != "samples"} for e in meta.get("history", {}).get("epochs", [])],
    }
    if args.json:
        _print_json(info)
    else:
        for key, value in info.items():
            print(f"{key}: {json.dumps(value, ensure_ascii=False, default=_json_default)}")
    return 0


# -- parser --------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    from playground import __version__
    from playground.config import ATTENTIONS, CELLS, DEVICES, OPTIMIZERS, SEQ2SEQ_MODES

    parser = argparse.ArgumentParser(prog="playground", description="Seq2Seq Playground command line")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("datasets", help="list the built-in datasets")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_datasets)

    def data_args(p):
        p.add_argument("--level", choices=("char", "word"))
        p.add_argument("--lowercase", action="store_true")
        p.add_argument("--max-length", type=int)
        p.add_argument("--max-samples", type=int)
        p.add_argument("--reverse-source", action="store_true", help="reverse source tokens (Sutskever et al.)")
        p.add_argument("--val-split", type=float)
        p.add_argument("--seed", type=int)
        p.add_argument("--task-size", type=int, help="pairs generated for a built-in task")

    def music_args(p):
        p.add_argument("--encoding", choices=("melody", "events"),
                       help="music: monophonic melody on a 16th-note grid (default) or polyphonic events")
        p.add_argument("--window", type=int, metavar="TOKENS",
                       help="music: cut train/validation tunes into pieces of at most TOKENS tokens "
                            "(default 256; 0 = whole tunes); test tunes stay whole")
        p.add_argument("--transpose", action="store_true",
                       help="music: add training copies transposed by -2..+2 semitones")
        p.add_argument("--include-drums", action="store_true", help="music: keep MIDI channel 10 (drums)")

    p = sub.add_parser("data-info", help="describe a dataset: pairs, skipped lines, vocabularies, lengths")
    p.add_argument("source")
    data_args(p)
    music_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_data_info)

    p = sub.add_parser("train", help="train a model; writes the model file after every epoch")
    p.add_argument("source")
    p.add_argument("--out", required=True, help="model file to write (also the per-epoch checkpoint)")
    p.add_argument("--task", choices=("translate", "lm"))
    p.add_argument("--mode", choices=SEQ2SEQ_MODES, default="attention")
    p.add_argument("--cell", choices=CELLS, default="lstm")
    p.add_argument("--layers", type=int, default=1)
    p.add_argument("--units", type=int, default=128)
    p.add_argument("--embedding-dim", type=int, default=64)
    p.add_argument("--bidirectional", action="store_true")
    p.add_argument("--attention", choices=ATTENTIONS, default="general")
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--epochs", type=int, help="default: 10, or the built-in task's recommendation")
    p.add_argument("--batch-size", type=int, help="default: 64, or the built-in task's recommendation")
    p.add_argument("--learning-rate", type=float, help="default: 0.003, or the built-in task's recommendation")
    p.add_argument("--optimizer", choices=OPTIMIZERS, default="adam")
    p.add_argument("--early-stopping", type=int, default=0, metavar="EPOCHS")
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.add_argument("--mixed-precision", action="store_true", help="float16 compute on GPU")
    p.add_argument("--resume", metavar="CHECKPOINT", help="continue training from a model file")
    data_args(p)
    music_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_train, seed=None)

    p = sub.add_parser("evaluate", help="exact match, token accuracy, BLEU, chrF on the test split or SOURCE")
    p.add_argument("model")
    p.add_argument("source", nargs="?")
    p.add_argument("--beam", type=int, default=1)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("translate", help="translate TEXT (or stdin lines)")
    p.add_argument("model")
    p.add_argument("text", nargs="*")
    p.add_argument("--beam", type=int, default=1)
    p.add_argument("--n-best", type=int, default=1)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_translate)

    p = sub.add_parser("generate", help="generate from a language model")
    p.add_argument("model")
    p.add_argument("--seed", help="seed text; for music models a MIDI pitch (60) or a note name (C4 = 60, F#3)")
    p.add_argument("--length", type=int, default=100,
                   help="tokens to generate after the seed; music melody models: 16th-note steps (64 = 4 bars "
                        "of 4/4)")
    p.add_argument("--bars", type=float, help="music: bars to generate (overrides --length)")
    p.add_argument("--primer", metavar="MIDI", help="music: continue the first bars of this MIDI file")
    p.add_argument("--primer-bars", type=float, default=2.0, help="music: bars of --primer to use (default 2)")
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--top-k", type=int, default=0)
    p.add_argument("--top-p", type=float, default=1.0)
    p.add_argument("--random-seed", type=int, default=0, help="sampling seed (same seed → same output)")
    p.add_argument("--out", help="music: write the generated tune as MIDI")
    p.add_argument("--wav", help="music: also render it to WAV")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("export", help="export for other runtimes")
    p.add_argument("model")
    p.add_argument("--format", default="savedmodel")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("info", help="describe a model file")
    p.add_argument("model")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_info)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "train" and args.seed is None:
        args.seed = 0
    if args.command not in ("datasets", "data-info"):
        from playground.tfimport import import_tensorflow

        import_tensorflow(quiet=not args.debug)
    try:
        return args.func(args)
    except BrokenPipeError:
        return 0
    except Exception as exc:  # one clear line, never a traceback unless asked
        if args.debug:
            raise
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"playground {args.command}: error: {message}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
