"""Training speed: the project's feedback mode vs. the one-hot Keras recipe (issue #2 §9).

    python benchmarks/train_speed.py                          # 10,000 tatoeba pairs, 1 warm-up + 2 timed epochs
    python benchmarks/train_speed.py --pairs 2000 --epochs 1  # a quick run
    python benchmarks/train_speed.py --task digits:reverse    # built-in data (used when ../shared is absent)

Both models: 256 LSTM units, batch 64, the same pairs (the first ``--pairs`` lines of
tatoeba-eng-fra.txt, character level, or a built-in task), no validation split (training
throughput only), ``--warmup`` epochs first (tracing, caches) and then ``--epochs`` timed epochs.

- recipe: ``keras_recipe.py`` (one-hot inputs padded to the longest sequence, rmsprop,
  ``model.fit``);
- project: ``playground.training.trainer.Trainer`` with what a user gets from the defaults
  for this data: ``ModelConfig(mode="feedback", cell="lstm", layers=1, units=256,
  embedding_dim=64)`` (the ``tatoeba_char_lstm`` preset's sizes) and ``TrainConfig()``
  defaults (adam 1e-3, batch 64, clip 1.0, length bucketing width 4), on the CPU unless a GPU
  is visible.

Samples/s = pairs × timed epochs / wall seconds of those epochs (each side timed by its own
epoch callbacks, in this process). Also printed: samples per CPU-second (``time.process_time``,
all threads), which other jobs on a shared machine disturb less, and its ratio. Last line:
``speedup: X`` = project samples/s / recipe samples/s (wall clock).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras_recipe  # noqa: E402


def load_pairs(args):
    if args.task is None and os.path.exists(args.data):
        return f"{args.data} (first {args.pairs} lines)", keras_recipe.recipe_pairs(
            keras_recipe.read_lines(args.data), args.pairs)
    from playground.data.tasks import generate_task

    task = args.task or "digits:reverse"
    return f"{task} ({args.pairs} pairs)", [tuple(p) for p in generate_task(task, args.pairs, 0)]


def project_speed(pairs, args):
    from gpu_check import make_corpus
    from playground.config import ModelConfig, TrainConfig
    from playground.training import events as ev
    from playground.training.trainer import Trainer

    corpus = make_corpus(pairs, name="train-speed")
    model_config = ModelConfig(mode="feedback", cell="lstm", layers=1, units=256, embedding_dim=64)
    train_config = TrainConfig(epochs=args.warmup + args.epochs)
    ends, cpu_ends = [], []
    cpu_start = time.process_time()

    def callback(event):
        if isinstance(event, ev.EpochEnd):
            ends.append(event.elapsed)
            cpu_ends.append(time.process_time() - cpu_start)

    result = Trainer(corpus, model_config, train_config, callback=callback).run()
    if result.status != "done":
        raise RuntimeError(f"project training ended with {result.status}: {result.message}")
    per_epoch = [b - a for a, b in zip([0.0] + ends[:-1], ends)]
    cpu_per_epoch = [b - a for a, b in zip([0.0] + cpu_ends[:-1], cpu_ends)]
    return per_epoch, cpu_per_epoch, model_config, train_config


def main():
    parser = argparse.ArgumentParser(description="Training samples/s: project feedback mode vs the Keras recipe")
    parser.add_argument("--data", default=keras_recipe.default_data_path())
    parser.add_argument("--task", default=None, help="a built-in task instead of the tatoeba file, e.g. digits:reverse")
    parser.add_argument("--pairs", type=int, default=10000)
    parser.add_argument("--warmup", type=int, default=1, help="untimed epochs first (1)")
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs (2)")
    parser.add_argument("--order", choices=("recipe-first", "project-first"), default="recipe-first")
    args = parser.parse_args()

    from playground.backend.loading import load_backend

    backend = load_backend()  # KERAS_BACKEND (tensorflow by default)
    import keras

    name, pairs = load_pairs(args)
    print(f"data: {name}; backend {backend}, keras {keras.__version__}, cpus {os.cpu_count()}, load {os.getloadavg()[0]:.1f}",
          flush=True)
    n = len(pairs)
    results, cpu = {}, {}

    def run_recipe():
        recipe = keras_recipe.Recipe(pairs)
        stamps = recipe.fit(args.warmup + args.epochs, validation_split=0.0)
        results["recipe"] = stamps
        cpu["recipe"] = recipe.cpu_stamps
        print(f"recipe  seconds per epoch {[round(s, 1) for s in stamps]}, CPU seconds "
              f"{[round(s, 1) for s in recipe.cpu_stamps]} (first {args.warmup} untimed)", flush=True)

    def run_project():
        per_epoch, cpu_per_epoch, model_config, train_config = project_speed(pairs, args)
        results["project"] = per_epoch
        cpu["project"] = cpu_per_epoch
        print(f"project seconds per epoch {[round(s, 1) for s in per_epoch]}, CPU seconds "
              f"{[round(s, 1) for s in cpu_per_epoch]} (first {args.warmup} untimed); "
              f"mode {model_config.mode}, units {model_config.units}, embedding {model_config.embedding_dim}, "
              f"{train_config.optimizer} lr {train_config.learning_rate}, batch {train_config.batch_size}, "
              f"bucket_width {train_config.bucket_width}", flush=True)

    order = [run_recipe, run_project] if args.order == "recipe-first" else [run_project, run_recipe]
    for run in order:
        run()
    rates = {k: n * args.epochs / sum(v[args.warmup:]) for k, v in results.items()}
    cpu_rates = {k: n * args.epochs / sum(v[args.warmup:]) for k, v in cpu.items()}
    print(f"pairs {n}, timed epochs {args.epochs}, load now {os.getloadavg()[0]:.1f}")
    print(f"recipe  samples/s: {rates['recipe']:8.1f}   samples per CPU-second: {cpu_rates['recipe']:8.1f}")
    print(f"project samples/s: {rates['project']:8.1f}   samples per CPU-second: {cpu_rates['project']:8.1f}")
    print(f"CPU-time speedup: {cpu_rates['project'] / cpu_rates['recipe']:.2f}")
    print(f"speedup: {rates['project'] / rates['recipe']:.2f}")


if __name__ == "__main__":
    main()
