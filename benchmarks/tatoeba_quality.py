"""Translation quality on real data: the four decoder modes vs. the Keras recipe (issue #2 §8).

    python benchmarks/tatoeba_quality.py                       # the full run (about an hour on 2 CPU cores)
    python benchmarks/tatoeba_quality.py --epochs 2 --modes attention --pairs 2000   # a quick run

Data (tatoeba-eng-fra.txt, English → French, character level, text as in the file, not
normalised, for every model):

- the recipe's slice: the first ``--pairs`` (10,000) lines. The recipe fits on it with
  ``validation_split=0.2``, so its gradient steps use the first 8,000 and it validates on the
  last 2,000 each epoch; the project's models train on exactly those first 8,000 (no
  validation split, so no per-epoch validation cost);
- held-out: the next ``--heldout`` (500) pairs in file order whose English sentence is not in
  the slice (the file is grouped by English sentence; in practice lines 10,001–10,500).
  The same 500 pairs score every model.

Models: the Keras recipe (``keras_recipe.py``: one-hot, LSTM 256, rmsprop, batch 64) and the
project's ``basic``, ``feedback``, ``peek`` and ``attention`` modes with one LSTM layer of 256
units, trained by the project's ``Trainer`` and scored by ``playground.inference.evaluate`` (compiled
greedy search). Project settings (same for every mode, chosen once, not tuned per mode):
adam, learning rate 2e-3, gradient clipping 1.0, batch 64, length bucketing width 4,
embedding 64, the same number of epochs as the recipe (30). The recipe's held-out outputs come
from the recipe's own loop (``encoder_model.predict`` + ``decoder_model.predict`` per
character) run over the 500 sentences as one batch (same argmax outputs as one at a time,
much faster).

Prints, per model: exact match, chrF, BLEU (sacrebleu) on the held-out pairs, seconds/epoch,
total training seconds (wall) and training CPU seconds (``time.process_time``, all threads:
less sensitive to other jobs on a shared machine); last the ratios ``attention chrF - recipe
chrF``, attention/recipe training CPU time and attention/recipe training wall time (all
measured in this process).
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

MODES = ("basic", "feedback", "peek", "attention")


def project_corpus(train_pairs, test_pairs):
    """A playground Corpus over the given (english, french) strings, char level, raw text."""
    from playground.data.source import Corpus, DataOptions
    from playground.data.vocab import Vocabulary

    options = DataOptions(level="char", normalize_unicode=False, val_split=0.0, test_split=0.0)
    train = [(list(s), list(t)) for s, t in train_pairs]
    test = [(list(s), list(t)) for s, t in test_pairs]
    return Corpus(name="tatoeba-eng-fra (benchmark slice)", kind="pairs", options=options, train=train, val=[],
                  test=test, raw_test=list(test_pairs),
                  source_vocab=Vocabulary.build((s for s, _ in train), "char"),
                  target_vocab=Vocabulary.build((t for _, t in train), "char"))


def train_project(corpus, mode, args):
    from playground.config import ModelConfig, TrainConfig
    from playground.training import events as ev
    from playground.training.trainer import Trainer

    model_config = ModelConfig(mode=mode, cell="lstm", layers=1, units=256, embedding_dim=args.embedding_dim)
    train_config = TrainConfig(epochs=args.project_epochs or args.epochs, batch_size=args.batch_size,
                               learning_rate=args.learning_rate, optimizer="adam", clip_norm=1.0,
                               bucket_width=4, seed=args.seed, device="cpu" if args.cpu else "auto")
    ends = []

    def callback(event):
        if isinstance(event, ev.EpochEnd):
            ends.append(event.elapsed)
            if args.verbose:
                print(f"  {mode} epoch {event.epoch + 1}: loss {event.train_loss:.4f} "
                      f"acc {event.train_token_accuracy:.4f} elapsed {event.elapsed:.1f}s", flush=True)

    start, cpu_start = time.perf_counter(), time.process_time()
    result = Trainer(corpus, model_config, train_config, callback=callback).run()
    total, cpu_total = time.perf_counter() - start, time.process_time() - cpu_start
    if result.status != "done":
        raise RuntimeError(f"{mode}: training ended with {result.status}: {result.message}")
    per_epoch = [b - a for a, b in zip([0.0] + ends[:-1], ends)]
    return result.model, per_epoch, total, cpu_total


def score(hypotheses, references):
    from playground import metrics

    return {"exact_match": metrics.exact_match(hypotheses, references), "chrf": metrics.chrf(hypotheses, references),
            "bleu": metrics.bleu(hypotheses, references)}


def line(name, result):
    per_epoch = result["per_epoch"]
    mean = sum(per_epoch) / max(len(per_epoch), 1)
    return (f"{name:<10} exact_match {result['exact_match']:.3f}  chrF {result['chrf']:5.1f}  "
            f"BLEU {result['bleu']:5.1f}  s/epoch {mean:5.1f}  train_s {result['train_s']:6.0f}  "
            f"train_cpu_s {result['train_cpu_s']:6.0f}  epochs {len(per_epoch)}  decode_s {result['decode_s']:.1f}")


def main():
    parser = argparse.ArgumentParser(description="Tatoeba eng-fra quality: project modes vs the Keras recipe")
    parser.add_argument("--data", default=keras_recipe.default_data_path())
    parser.add_argument("--pairs", type=int, default=10000, help="the recipe's slice: first N lines (10000)")
    parser.add_argument("--heldout", type=int, default=500, help="held-out pairs after the slice (500)")
    parser.add_argument("--epochs", type=int, default=30, help="recipe epochs (and project epochs, 30)")
    parser.add_argument("--project-epochs", type=int, default=0, help="project epochs if not --epochs")
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES)
    parser.add_argument("--no-recipe", action="store_true", help="skip the recipe (no ratios then)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--embedding-dim", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cpu", action="store_true", help="train the project on the CPU even with a GPU")
    parser.add_argument("--verbose", action="store_true", help="print every epoch")
    parser.add_argument("--show", type=int, default=3, help="example outputs printed per model")
    args = parser.parse_args()

    if not os.path.exists(args.data):
        sys.exit(f"{args.data}: not found (the shared tatoeba data is needed; pass --data)")
    lines = keras_recipe.read_lines(args.data)
    slice_pairs = keras_recipe.recipe_pairs(lines, args.pairs)
    held = keras_recipe.held_out_pairs(lines, args.pairs, args.heldout)
    n_train = len(slice_pairs) - int(len(slice_pairs) * 0.2)  # what keras' validation_split=0.2 trains on
    sources = [s for s, _ in held]
    references = [t for _, t in held]
    print(f"data: {args.data}\nslice: first {len(slice_pairs)} lines; training pairs {n_train} "
          f"(recipe validates on the other {len(slice_pairs) - n_train}); held-out {len(held)} pairs "
          f"({held[0][0]!r} ... {held[-1][0]!r})", flush=True)

    import tensorflow as tf

    print(f"tensorflow {tf.__version__}, devices: {[d.name for d in tf.config.list_logical_devices()]}, "
          f"cpus {os.cpu_count()}, load {os.getloadavg()[0]:.1f}", flush=True)
    results = {}
    if not args.no_recipe:
        recipe = keras_recipe.Recipe(slice_pairs)
        start, cpu_start = time.perf_counter(), time.process_time()
        per_epoch = recipe.fit(args.epochs, verbose=1 if args.verbose else 0)
        train_s, train_cpu_s = time.perf_counter() - start, time.process_time() - cpu_start
        start = time.perf_counter()
        produced = recipe.translate(sources)
        decode_s = time.perf_counter() - start
        results["recipe"] = {**score(produced, references), "per_epoch": per_epoch, "train_s": train_s,
                             "train_cpu_s": train_cpu_s, "decode_s": decode_s, "outputs": produced}
        print(line("recipe", results["recipe"]), flush=True)
        del recipe

    from playground.inference.evaluate import evaluate
    from playground.inference.predictor import Predictor

    corpus = project_corpus(slice_pairs[:n_train], held)
    # attention first: it is compared with the recipe, so run it nearest in time (machine load drifts)
    for mode in sorted(args.modes, key=lambda m: m != "attention"):
        model, per_epoch, train_s, train_cpu_s = train_project(corpus, mode, args)
        predictor = Predictor(model)
        start = time.perf_counter()
        metrics = evaluate(predictor, corpus.test, batch_size=500)
        decode_s = time.perf_counter() - start
        produced = [h for _, _, h in metrics["outputs"]]
        # evaluate() keeps 5 outputs; score() recomputes nothing, its figures are the project's own
        results[mode] = {"exact_match": metrics["exact_match"], "chrf": metrics["chrf"], "bleu": metrics["bleu"],
                         "per_epoch": per_epoch, "train_s": train_s, "train_cpu_s": train_cpu_s,
                         "decode_s": decode_s, "outputs": produced}
        print(line(mode, results[mode]), flush=True)

    print("\nexamples (source | reference | output):")
    for name, result in results.items():
        for i in range(min(args.show, len(result["outputs"]))):
            print(f"  {name:<10} {sources[i]} | {references[i]} | {result['outputs'][i]}")
    print(f"\nheld-out pairs: {len(held)}; training pairs: {n_train}; load now {os.getloadavg()[0]:.1f}")
    for name, result in results.items():
        print(line(name, result))
    if "recipe" in results and "attention" in results:
        recipe, attention = results["recipe"], results["attention"]
        print(f"attention chrF - recipe chrF: {attention['chrf'] - recipe['chrf']:+.1f}")
        print(f"attention train CPU time / recipe train CPU time: "
              f"{attention['train_cpu_s'] / recipe['train_cpu_s']:.2f}")
        print(f"attention train time / recipe train time: {attention['train_s'] / recipe['train_s']:.2f}")


if __name__ == "__main__":
    main()
