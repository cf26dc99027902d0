"""Quality of the five decoder modes on a built-in task, default options (issues #2 §8, #10 §4).

    python benchmarks/decoder_modes.py digits:reverse [--modes basic feedback peek attention transformer]

Trains each mode with the CLI's defaults, evaluates on the task's test split and prints
one line per mode (exact match, token accuracy, chrF, training seconds).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("source")
    parser.add_argument("--modes", nargs="+", default=["basic", "feedback", "peek", "attention", "transformer"])
    parser.add_argument("--epochs", type=int, help="default: the task's recommended epochs")
    parser.add_argument("--out-dir", default="/tmp/playground-bench")
    args = parser.parse_args()

    from playground import cli
    from playground.modelfile import load_model

    os.makedirs(args.out_dir, exist_ok=True)
    rows = []
    for mode in args.modes:
        out = os.path.join(args.out_dir, f"{args.source.replace(':', '_')}_{mode}")
        epochs = ["--epochs", str(args.epochs)] if args.epochs else []
        start = time.perf_counter()
        code = cli.main(["train", args.source, "--mode", mode, "--out", out, *epochs, "--json"])  # seed 0
        seconds = time.perf_counter() - start
        if code != 0:
            raise SystemExit(f"playground train {args.source} --mode {mode} failed (exit {code})")
        metrics = load_model(out, compile=False).meta["metrics"]
        rows.append((mode, metrics, seconds))
        print(f"{args.source} {mode:<11} exact_match {metrics['exact_match']:.4f}  token_accuracy "
              f"{metrics['token_accuracy']:.4f}  chrf {metrics['chrf']:.1f}  train+eval {seconds:.0f}s", flush=True)


if __name__ == "__main__":
    main()
