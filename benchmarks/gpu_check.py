"""The GPU check (issue #9 §5): training and decoding speed on this machine's GPU, and the
same run's CPU figures for the ratio.

    KERAS_BACKEND=jax python benchmarks/gpu_check.py                 # GPU, then a CPU child
    KERAS_BACKEND=jax python benchmarks/gpu_check.py --skip-cpu
    KERAS_BACKEND=jax python benchmarks/gpu_check.py --skip-cpu --compare cudnn cudnn-unmasked unrolled
    python benchmarks/gpu_check.py --data PATH --pairs 10000 --epochs 3

Data: the first ``--pairs`` lines of tatoeba-eng-fra.txt (English → French, characters),
as in the keras-io "character-level recurrent sequence-to-sequence" recipe; no validation
split, so an epoch is training only. Model: attention mode, LSTM 256, embedding 64 (the
``tatoeba_char_lstm`` preset), the project's ``Trainer`` with ``TrainConfig`` defaults
(adam, cosine decay, clip 1.0, length buckets), at batch 64 and batch 512.

Printed per batch size: seconds per epoch (the first includes compilation; samples/s is
over the later epochs), the loss after each epoch. Decoding (greedy, ``playground.inference
.search``): ms per sentence at batch 1 (one sentence at a time), batched (all held-out
sentences at once), and beam 4 batched, on held-out sentences after the training slice (``keras_recipe.held_out_pairs``).
The CPU figures come from a child process of this script with the GPU hidden
(``JAX_PLATFORMS=cpu``, ``CUDA_VISIBLE_DEVICES=``), on ``--cpu-pairs`` pairs (the rate is
per sample, so the ratio holds). ``--compare`` trains again in the same process with the
LSTMs run other ways (``playground.backend.rnn.KERNELS``) and prints each one's time ratio.
``--xla-flags`` trains again in a child process per value, on the same device, with that value
added to ``XLA_FLAGS`` (read once, when the backend starts: hence a child), e.g.
``--xla-flags xla_gpu_enable_command_buffer=+WHILE,+CONDITIONAL``, which records each LSTM
loop into one CUDA graph instead of launching its kernels one by one per loop step.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras_recipe  # noqa: E402  (the data readers; it imports no backend)


def make_corpus(pairs, name="gpu-check"):
    """Character pairs → a training-only Corpus (no validation or test split)."""
    from playground.data.source import Corpus, DataOptions
    from playground.data.vocab import Vocabulary

    train = [(list(s), list(t)) for s, t in pairs]
    return Corpus(name=name, kind="pairs",
                  options=DataOptions(level="char", normalize_unicode=False, val_split=0.0, test_split=0.0),
                  train=train, val=[], test=[], raw_test=[],
                  source_vocab=Vocabulary.build((s for s, _ in train), "char"),
                  target_vocab=Vocabulary.build((t for _, t in train), "char"))


def train_figures(corpus, batch_size: int, epochs: int, device: str):
    from playground.config import ModelConfig, TrainConfig
    from playground.training import events as ev
    from playground.training.trainer import Trainer

    ends, losses, started = [], [], []

    def callback(event):
        if isinstance(event, ev.TrainStarted):
            started.append(event.device)
        if isinstance(event, ev.EpochEnd):
            ends.append(event.elapsed)
            losses.append(round(event.train_loss, 4))

    model_config = ModelConfig(mode="attention", cell="lstm", units=256, embedding_dim=64)
    train_config = TrainConfig(epochs=epochs, batch_size=batch_size, device=device, sample_items=0)
    result = Trainer(corpus, model_config, train_config, callback=callback).run()
    if result.status != "done":
        raise RuntimeError(f"training ended with {result.status}: {result.message}")
    seconds = [b - a for a, b in zip([0.0] + ends[:-1], ends)]
    timed = seconds[1:] or seconds
    rate = len(corpus.train) * len(timed) / sum(timed)
    return {"device": started[0], "seconds": seconds, "losses": losses, "samples_per_s": rate,
            "epoch_s": sum(timed) / len(timed)}, result.model


def decode_figures(model, sentences):
    from playground.data.batching import pad_batch
    from playground.inference import search
    from playground.inference.predictor import Predictor

    predictor = Predictor(model)
    ids, _, _ = predictor.encode_sources(sentences)
    length = predictor.max_target_length + 1

    def timed(fn, repeats=1):
        fn()  # compile / warm up at this shape
        began = time.perf_counter()
        for _ in range(repeats):
            fn()
        return (time.perf_counter() - began) / repeats

    single = [pad_batch([row[row != 0]]) for row in ids]
    one_by_one = timed(lambda: [search.greedy_decode(model, s, length) for s in single]) / len(sentences)
    batched = timed(lambda: search.greedy_decode(model, ids, length), 3) / len(sentences)
    beam = timed(lambda: search.beam_search(model, ids, length, beam_width=4)) / len(sentences)
    sample = predictor.translate(sentences[:3])
    return {"greedy_batch1_ms": one_by_one * 1e3, "greedy_batched_ms": batched * 1e3, "beam4_batched_ms": beam * 1e3,
            "examples": [(s, t.text) for s, t in zip(sentences[:3], sample)]}


def _training_line(figures) -> str:
    return (f"seconds per epoch {[round(s, 3) for s in figures['seconds']]} (first includes compiling), "
            f"loss after each epoch {figures['losses']}, {figures['samples_per_s']:,.0f} samples/s, "
            f"{figures['epoch_s']:.3f} s per epoch")


def child_report(args, *, env, pairs, decode_sentences) -> dict:
    """This script's figures from a child process run with ``env``."""
    out = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"gpu_check_child_{os.getpid()}.json")
    command = [sys.executable, __file__, "--data", args.data, "--pairs", str(pairs), "--epochs", str(args.epochs),
               "--decode-sentences", str(decode_sentences), "--device", args.device, "--skip-cpu",
               "--kernels", args.kernels, "--json", out, "--batch-sizes", *map(str, args.batch_sizes)]
    subprocess.run(command, env=env, check=True)
    with open(out, encoding="utf-8") as f:
        return json.load(f)


def run(args) -> dict:
    from playground.backend.loading import load_backend

    backend = load_backend(quiet=True)
    from playground.backend import rnn

    rnn.kernels = args.kernels
    print(f"backend {backend}; LSTMs on a GPU as {args.kernels}; masked LSTM here: "
          f"{'cuDNN (fused, per-row lengths)' if rnn.fused_lstm_available() else 'Keras loop'}", flush=True)
    lines = keras_recipe.read_lines(args.data)
    pairs = keras_recipe.recipe_pairs(lines, args.pairs)
    held_out = [s for s, _ in keras_recipe.held_out_pairs(lines, args.pairs, args.decode_sentences)] \
        if args.decode_sentences else []
    corpus = make_corpus(pairs)
    report = {"backend": backend, "pairs": len(pairs), "batches": {}}
    model = None
    for batch_size in args.batch_sizes:
        figures, model = train_figures(corpus, batch_size, args.epochs, args.device)
        report["device"] = figures.pop("device")
        report["batches"][batch_size] = figures
        print(f"[{report['device']}] batch {batch_size}: {_training_line(figures)}", flush=True)
    if args.compare and rnn.lstm_route(masked=True) == "keras":
        print("not JAX on a GPU: every --compare choice runs the same Keras LSTM; the ratios show only "
              "warm-up and noise", flush=True)
    for kernels in args.compare:
        # Same process, same data: another way of running the LSTMs, for the ratio.
        rnn.kernels = kernels
        report.setdefault("compare", {})[kernels] = {}
        for batch_size in args.batch_sizes:
            figures, _ = train_figures(corpus, batch_size, args.epochs, args.device)
            figures.pop("device")
            report["compare"][kernels][batch_size] = figures
            ratio = figures["epoch_s"] / report["batches"][batch_size]["epoch_s"]
            print(f"[{report['device']}] batch {batch_size}, LSTMs as {kernels}: {_training_line(figures)} "
                  f"({ratio:.2f}x the time of {args.kernels})", flush=True)
        rnn.kernels = args.kernels
    if not args.decode_sentences:
        return report
    report["decode"] = decode_figures(model, held_out)
    d = report["decode"]
    print(f"[{report['device']}] greedy decode: {d['greedy_batch1_ms']:.2f} ms per sentence at batch 1, "
          f"{d['greedy_batched_ms']:.3f} ms per sentence batched ({len(held_out)}), beam 4 batched "
          f"{d['beam4_batched_ms']:.3f} ms per sentence; e.g. {d['examples'][0]}", flush=True)
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=keras_recipe.default_data_path())
    parser.add_argument("--pairs", type=int, default=10000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 512])
    parser.add_argument("--decode-sentences", type=int, default=100)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--cpu-pairs", type=int, default=2000)
    parser.add_argument("--skip-cpu", action="store_true")
    from playground.backend.rnn import KERNELS  # imports no backend

    parser.add_argument("--kernels", choices=KERNELS, default=KERNELS[0], help="how LSTMs run on a GPU under JAX")
    parser.add_argument("--compare", nargs="*", choices=KERNELS, default=[],
                        help="also train with these (same process) and print the time ratios")
    parser.add_argument("--xla-flags", action="append", default=[], metavar="FLAGS",
                        help="also train in a child process with these XLA flags added to XLA_FLAGS (leading dashes "
                             "optional; repeat for several children); print the ratios")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    if not os.path.exists(args.data):
        sys.exit(f"gpu_check: {args.data} not found (pass --data PATH to tatoeba-eng-fra.txt)")
    began = time.perf_counter()
    report = run(args)
    for flags in args.xla_flags:
        flags = " ".join("--" + flag.lstrip("-") for flag in flags.split())
        env = dict(os.environ, XLA_FLAGS=f"{os.environ.get('XLA_FLAGS', '')} {flags}".strip())
        child = child_report(args, env=env, pairs=args.pairs, decode_sentences=0)
        report.setdefault("xla_flags", {})[flags] = child
        for batch_size in args.batch_sizes:
            figures = child["batches"][str(batch_size)]
            ratio = figures["epoch_s"] / report["batches"][batch_size]["epoch_s"]
            print(f"[{child['device']}] batch {batch_size}, XLA_FLAGS {env['XLA_FLAGS']!r}: {_training_line(figures)} "
                  f"({ratio:.2f}x the time without)", flush=True)
    if not args.skip_cpu and args.device != "cpu":
        env = dict(os.environ, JAX_PLATFORMS="cpu", CUDA_VISIBLE_DEVICES="")
        cpu = child_report(argparse.Namespace(**{**vars(args), "device": "cpu", "epochs": 2}), env=env,
                           pairs=args.cpu_pairs, decode_sentences=min(args.decode_sentences, 30))
        for batch_size in args.batch_sizes:
            gpu_rate = report["batches"][batch_size]["samples_per_s"]
            cpu_rate = cpu["batches"][str(batch_size)]["samples_per_s"]
            print(f"batch {batch_size}: {report['device']} {gpu_rate:,.0f} samples/s vs {cpu['device']} "
                  f"{cpu_rate:,.0f} samples/s: ratio {gpu_rate / cpu_rate:.1f}x")
        for key in ("greedy_batch1_ms", "greedy_batched_ms", "beam4_batched_ms") if "decode" in report else ():
            print(f"{key}: {report['decode'][key]:.3f} vs CPU {cpu['decode'][key]:.3f}: "
                  f"ratio {cpu['decode'][key] / report['decode'][key]:.1f}x")
        report["cpu"] = cpu
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report, f, default=str)
    print(f"gpu_check finished in {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
