"""Music generation speed: 256 sampled steps with the compiled loop (goal < 0.5 s on a CPU).

    python benchmarks/generate_speed.py [MODEL.keras] [--steps 256] [--units 256] [--repeats 5]

Without a model file it trains an LSTM language model (``--units``, 1 layer, embedding 64)
for ``--epochs`` epochs on the built-in corpus midi:sample (speed does not depend on the
weights, but an untrained model ends pieces early all the time, and every early end costs a
re-priming call). After one warm-up call (which traces and compiles the loop) it times
``generate_music(model, seed_pitch=..., length=STEPS)`` (melody: one token = one 16th-note
step) and, as the baseline in the same run, an eager Python loop calling
``model.decode_step`` once per token, the way a naive implementation would.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def build_model(units: int, layers: int, epochs: int):
    from playground.config import ModelConfig, TrainConfig
    from playground.sources import load_any_source
    from playground.training.trainer import Trainer

    corpus = load_any_source("midi:sample")
    result = Trainer(corpus, ModelConfig(mode="lm", cell="lstm", layers=layers, units=units, embedding_dim=64),
                     TrainConfig(epochs=epochs, batch_size=16, learning_rate=1e-2, device="cpu",
                                 sample_items=0)).run()
    return result.model


def eager_steps(model, steps: int) -> float:
    """Seconds for ``steps`` eager decode_step calls with sampling in numpy (the baseline)."""
    import numpy as np
    import tensorflow as tf

    from playground.data.vocab import START_ID

    rng = np.random.default_rng(0)
    memory, mask, states, context = model.encode(tf.zeros([1, 1], tf.int32))
    token = np.array([START_ID], np.int32)
    start = time.perf_counter()
    for _ in range(steps):
        logits, states, _ = model.decode_step(tf.constant(token), states, memory, mask, context)
        p = tf.nn.softmax(logits).numpy()[0].astype(np.float64)
        token = np.array([rng.choice(len(p), p=p / p.sum())], np.int32)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", help="a trained music model file (default: an untrained LSTM)")
    parser.add_argument("--steps", type=int, default=256)
    parser.add_argument("--units", type=int, default=256)
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=3, help="training epochs of the built-in model")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    import tensorflow as tf

    from playground.inference.music import generate_music

    if args.model:
        from playground.modelfile import load_model

        model = load_model(args.model, compile=False)
    else:
        model = build_model(args.units, args.layers, args.epochs)
    cfg = model.config
    extra = model.meta["extra"]
    seed = extra["pitch_range"][0]
    from playground.inference.music import _predictor

    while f"p{seed}" not in _predictor(model).target_vocab and seed < extra["pitch_range"][1]:
        seed += 1
    print(f"model: {cfg.cell} {cfg.layers}x{cfg.units}, vocabulary {cfg.target_vocab_size}, "
          f"{extra['encoding']} encoding; CPU threads {tf.config.threading.get_intra_op_parallelism_threads() or 'auto'}"
          f", {os.cpu_count()} cores")

    t = time.perf_counter()
    generate_music(model, seed_pitch=seed, length=args.steps, random_seed=0)
    print(f"warm-up (trace + compile + first run): {time.perf_counter() - t:.2f}s")
    times, tokens, continuations = [], 0, 0
    for k in range(args.repeats):
        result = generate_music(model, seed_pitch=seed, length=args.steps, random_seed=k + 1)
        times.append(result.seconds)
        tokens = len(result.generated_tokens)
        continuations += result.continuations
    compiled = statistics.median(times)
    print(f"compiled sampling: {args.steps} steps in {compiled:.3f}s median of {args.repeats} "
          f"(min {min(times):.3f}s, {tokens} tokens, {args.steps / compiled:,.0f} steps/s, "
          f"{continuations} early end(s) re-primed in all); load average {os.getloadavg()[0]:.1f}; "
          f"goal < 0.5s: {'met' if compiled < 0.5 else 'NOT met'}")
    eager_n = min(args.steps, 64)
    eager_steps(model, 4)  # warm-up
    eager = eager_steps(model, eager_n) * args.steps / eager_n
    print(f"baseline, eager decode_step per token: {args.steps} steps in {eager:.3f}s "
          f"(measured over {eager_n}); compiled is {eager / compiled:.1f}x faster")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
