"""Translation quality a user meets: four models, one wall-clock training budget each (issue #10 §3).

    python benchmarks/translation_quality.py                    # 4 × 15 min of training + scoring (~70 min)
    python benchmarks/translation_quality.py --budget-min 2 --models transformer-subword   # a quick look

Data: ``tatoeba-eng-fra.txt`` (English → French, text as in the file). A seeded random sample of
``--train`` (50,000) training pairs from the whole file; ``--heldout`` (1,000) random pairs whose
English sentence is not among the training pairs' (same seed; the first 5 are printed). The same
held-out pairs score every model (chrF and BLEU by sacrebleu on detokenised text, exact match).

Models, each trained for ``--budget-min`` minutes of wall time (the budget includes a short
timing probe that plans the epochs, so that the learning-rate schedule ends with the budget):

- ``recipe``: the Keras character recipe (``keras_recipe.py``: one-hot, LSTM 256, rmsprop, batch 64,
  ``validation_split=0.2``), stopped at the budget. One-hot pads every pair to the longest, so it
  gets the training pairs of at most ``--recipe-max-chars`` (80) characters a side (99 % of them;
  all would not fit in memory);
- ``attention-char``: the project's attention LSTM 256 at character level;
- ``attention-subword``: the same at subword level (SentencePiece unigram, ``--subword-vocab`` pieces);
- ``transformer-subword``: the project's Transformer at subword level.

Prints per model: chrF, BLEU, exact match, epochs done, parameters, training seconds, scoring
seconds; last the best chrF and its margin over the recipe.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras_recipe  # noqa: E402

MODELS = ("recipe", "attention-char", "attention-subword", "transformer-subword")
PROBE_BATCHES = 40  # the timing probe: a throwaway run of 40 batches


def sample_pairs(path: str, n_train: int, n_heldout: int, seed: int):
    """→ (training pairs, held-out pairs): a seeded sample of the whole file; held-out pairs
    have an English sentence that no training pair has."""
    pairs = [keras_recipe.split_pair(line) for line in keras_recipe.read_lines(path) if "\t" in line]
    rng = random.Random(seed)
    order = list(range(len(pairs)))
    rng.shuffle(order)
    train = [pairs[i] for i in order[:n_train]]
    seen = {english for english, _ in train}
    heldout = []
    for i in order[n_train:]:
        if pairs[i][0] not in seen and pairs[i][0] not in {e for e, _ in heldout[-50:]}:
            heldout.append(pairs[i])
            seen.add(pairs[i][0])  # one reference per English sentence
            if len(heldout) == n_heldout:
                break
    return train, heldout, len(pairs)


def make_corpus(train_pairs, heldout_pairs, level: str, subword_vocab: int):
    """A playground Corpus over raw (english, french) strings at ``level``; vocabularies (and
    subword pieces) from the training pairs only."""
    from playground.data.source import Corpus, DataOptions
    from playground.data.subword import SubwordTokenizer
    from playground.data.vocab import Vocabulary

    options = DataOptions(level=level, normalize_unicode=False, val_split=0.0, test_split=0.0,
                          subword_vocab=subword_vocab)
    if level == "subword":
        source_vocab = Vocabulary.from_tokenizer(SubwordTokenizer.train([s for s, _ in train_pairs], subword_vocab))
        target_vocab = Vocabulary.from_tokenizer(SubwordTokenizer.train([t for _, t in train_pairs], subword_vocab))
        split = lambda pairs: [(source_vocab.split(s), target_vocab.split(t)) for s, t in pairs]  # noqa: E731
    else:
        split = lambda pairs: [(list(s), list(t)) for s, t in pairs]  # noqa: E731
    train = split(train_pairs)
    if level != "subword":
        source_vocab = Vocabulary.build((s for s, _ in train), level)
        target_vocab = Vocabulary.build((t for _, t in train), level)
    return Corpus(name=f"tatoeba-eng-fra sample ({level})", kind="pairs", options=options, train=train, val=[],
                  test=split(heldout_pairs), raw_test=list(heldout_pairs), source_vocab=source_vocab,
                  target_vocab=target_vocab)


def model_settings(name: str, args):
    """→ (ModelConfig, TrainConfig fields) of a project model."""
    from playground.config import ModelConfig

    if name.startswith("attention"):
        model = ModelConfig(mode="attention", cell="lstm", units=256, embedding_dim=args.embedding_dim)
        train = {"batch_size": 64, "learning_rate": 2e-3, "warmup_steps": 0, "label_smoothing": 0.0}
    else:
        model = ModelConfig(mode="transformer", d_model=args.d_model, heads=args.heads, ff_dim=args.ff_dim,
                            encoder_layers=args.layers, decoder_layers=args.layers, dropout=args.dropout)
        train = {"batch_size": args.batch_size, "learning_rate": args.learning_rate,
                 "warmup_steps": args.warmup, "label_smoothing": args.label_smoothing, "optimizer": "adamw"}
    return model, train


def train_within(corpus, name, budget_s, args):
    """Trains a project model for ``budget_s`` wall seconds → (model, epochs done, seconds)."""
    from playground.config import TrainConfig
    from playground.training import events as ev
    from playground.training.trainer import Trainer

    model_config, fields = model_settings(name, args)
    base = dict(fields, lr_schedule="cosine", clip_norm=1.0, bucket_width=4, seed=args.seed, device="cpu",
                sample_items=0)
    start = time.perf_counter()
    stamps = {}

    def probe(event):
        if isinstance(event, ev.BatchEnd):
            stamps[event.batch] = time.perf_counter()

    Trainer(corpus, model_config, TrainConfig(epochs=1, max_batches_per_epoch=PROBE_BATCHES, **base),
            callback=probe).run()
    # The median step after the first (compiling) batches: one stall (a collection, a
    # retrace) inside so short a window doubled the mean and halved the planned epochs.
    times = [stamps[i] - stamps[i - 1] for i in sorted(stamps)[1:] if i - 1 in stamps and i >= 5]
    seconds_per_batch = sorted(times)[len(times) // 2] * 1.1
    batches = -(-len(corpus.train) // base["batch_size"])
    left = budget_s - (time.perf_counter() - start) - 15  # 15 s: the real run compiles again
    epochs = max(1, round(left / (seconds_per_batch * batches)))  # the budget stops a last partial epoch
    print(f"  {name}: {seconds_per_batch * 1000:.0f} ms/batch, {batches} batches/epoch → {epochs} epochs planned",
          flush=True)
    done = []

    def callback(event):
        if isinstance(event, ev.EpochEnd):
            done.append(event.epoch + 1)
            if args.verbose:
                print(f"    epoch {event.epoch + 1}: loss {event.train_loss:.4f} "
                      f"acc {event.train_token_accuracy:.4f} at {time.perf_counter() - start:.0f}s", flush=True)
        if isinstance(event, ev.BatchEnd) and time.perf_counter() - start > budget_s:
            raise ev.StopTraining()

    result = Trainer(corpus, model_config, TrainConfig(epochs=epochs, **base), callback=callback).run()
    if result.model is None or result.status in ev.FAILED:
        raise RuntimeError(f"{name}: training ended with {result.status}: {result.message}")
    partial = result.status == "stopped"
    return result.model, (done[-1] if done else 0) + (0.5 if partial else 0), time.perf_counter() - start


def line(name, r):
    return (f"{name:<20} chrF {r['chrf']:5.1f}  BLEU {r['bleu']:5.1f}  exact {r['exact_match']:.3f}  "
            f"epochs {r['epochs']:<4}  params {r['params']:>10,}  train_s {r['train_s']:5.0f}  "
            f"score_s {r['score_s']:4.0f}")


def main():
    parser = argparse.ArgumentParser(description="Translation quality within a training budget (issue #10)")
    parser.add_argument("--data", default=keras_recipe.default_data_path())
    parser.add_argument("--train", type=int, default=50000, help="training pairs sampled from the whole file")
    parser.add_argument("--heldout", type=int, default=1000)
    parser.add_argument("--budget-min", type=float, default=15.0, help="training minutes per model")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--subword-vocab", type=int, default=4000)
    parser.add_argument("--recipe-max-chars", type=int, default=80)
    parser.add_argument("--embedding-dim", type=int, default=64)
    parser.add_argument("--d-model", type=int, default=128)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--ff-dim", type=int, default=512)
    parser.add_argument("--layers", type=int, default=3, help="Transformer encoder and decoder blocks")
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--batch-size", type=int, default=128, help="Transformer batch")
    parser.add_argument("--learning-rate", type=float, default=1e-3, help="Transformer peak rate")
    parser.add_argument("--warmup", type=int, default=400, help="Transformer warm-up batches")
    parser.add_argument("--label-smoothing", type=float, default=0.1)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--show", type=int, default=3)
    parser.add_argument("--save-dir", help="write each project model there as NAME.keras")
    args = parser.parse_args()
    if not os.path.exists(args.data):
        sys.exit(f"{args.data}: not found (the shared tatoeba data is needed; pass --data)")

    train_pairs, heldout, total = sample_pairs(args.data, args.train, args.heldout, args.seed)
    print(f"data: {args.data}: {total:,} pairs; training sample {len(train_pairs):,}, held-out {len(heldout):,} "
          f"(seed {args.seed}); budget {args.budget_min:g} min per model", flush=True)
    for english, french in heldout[:5]:
        print(f"  held-out: {english} | {french}")
    import keras

    print(f"keras {keras.__version__}, backend {keras.backend.backend()}, cpus {os.cpu_count()}, "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
    from playground import metrics
    from playground.inference.evaluate import evaluate
    from playground.inference.predictor import Predictor

    budget_s = args.budget_min * 60
    sources, references = [e for e, _ in heldout], [f for _, f in heldout]
    results, outputs = {}, {}
    for name in args.models:
        if name == "recipe":
            kept = [p for p in train_pairs if max(len(p[0]), len(p[1])) <= args.recipe_max_chars]
            recipe = keras_recipe.Recipe(kept)
            start = time.perf_counter()
            epochs = len(recipe.fit(10000, budget_s=budget_s, verbose=1 if args.verbose else 0))
            train_s = time.perf_counter() - start
            start = time.perf_counter()
            produced = recipe.translate(sources)
            score_s = time.perf_counter() - start
            results[name] = {"chrf": metrics.chrf(produced, references), "bleu": metrics.bleu(produced, references),
                             "exact_match": metrics.exact_match(produced, references), "epochs": epochs,
                             "params": recipe.model.count_params(), "train_s": train_s, "score_s": score_s}
            outputs[name] = produced
            print(f"  recipe trained on {len(kept):,} pairs of ≤ {args.recipe_max_chars} characters", flush=True)
            del recipe
        else:
            level = name.split("-")[1]
            corpus = make_corpus(train_pairs, heldout, level, args.subword_vocab)
            model, epochs, train_s = train_within(corpus, name, budget_s, args)
            start = time.perf_counter()
            scored = evaluate(Predictor(model), corpus.test, batch_size=250)
            score_s = time.perf_counter() - start
            predictor = Predictor(model)
            produced = [t.text for t in predictor.translate(sources[:args.show])]
            results[name] = {"chrf": scored["chrf"], "bleu": scored["bleu"], "exact_match": scored["exact_match"],
                             "epochs": epochs, "params": model.count_params(), "train_s": train_s,
                             "score_s": score_s}
            outputs[name] = produced
            if args.save_dir:
                from playground.modelfile import save_model

                os.makedirs(args.save_dir, exist_ok=True)
                model.meta["metrics"] = {k: scored[k] for k in ("exact_match", "token_accuracy", "bleu", "chrf", "n")}
                save_model(model, os.path.join(args.save_dir, f"{name}.keras"))
        print(line(name, results[name]), flush=True)

    print("\nexamples (source | reference | output):")
    for name, produced in outputs.items():
        for i in range(min(args.show, len(produced))):
            print(f"  {name:<20} {sources[i]} | {references[i]} | {produced[i]}")
    print(f"\nload now {os.getloadavg()[0]:.1f}")
    for name, result in results.items():
        print(line(name, result))
    best = max(results, key=lambda n: results[n]["chrf"])
    margin = f" (recipe {results['recipe']['chrf']:.1f}: margin {results[best]['chrf'] - results['recipe']['chrf']:+.1f})" \
        if "recipe" in results else ""
    print(f"best chrF: {best} {results[best]['chrf']:.1f}{margin}")


if __name__ == "__main__":
    main()
