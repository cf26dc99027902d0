"""Greedy decoding speed: the project's compiled search vs. the Keras recipe's loop (issue #2 §9).

    python benchmarks/decode_speed.py                     # 100 held-out sentences, recipe trained 3 epochs
    python benchmarks/decode_speed.py --sentences 20 --epochs 1 --pairs 2000   # a quick run

Same trained weights for both: the Keras recipe (``keras_recipe.py``) is trained briefly on
the first ``--pairs`` tatoeba lines, then its weights are copied into a project
``Seq2SeqModel`` in ``feedback`` mode (cell lstm, 1 layer, 256 units):

- one-hot input × LSTM kernel = an Embedding whose rows are one-hot rows: the project's
  vocabularies list the recipe's characters in the recipe's order (ids 4, 5, ...), the
  embedding size is the larger recipe vocabulary, embedding row ``id`` is the one-hot row of
  the recipe's index of that character, and the LSTM kernels get zero rows for the unused
  columns. Target side: START ↔ "\\t", END ↔ "\\n"; the logits Dense columns are permuted the
  same way (PAD and UNK columns get bias -1e9: the recipe cannot produce them). PAD and UNK
  embedding rows are zero (an unseen character is an all-zero step in the recipe too);
- the recipe pads inputs with the space character and does not mask, so sources are padded
  with the id of " " (not PAD) to the recipe's max input length: the project's encoder then
  reads exactly the recipe's steps;
- the recipe decodes at most ``max_decoder_seq_length + 1`` characters, so does the project.

The outputs of the two are compared character for character (printed: how many of N match).
Timed per sentence: the recipe's own loop (``encoder_model.predict``, then
``decoder_model.predict`` once per output character) at batch 1; the project's
``playground.inference.search.greedy_decode`` (one compiled function holding a ``keras.ops.while_loop``) at batch 1
and as one batched call over all N sentences (after a warm-up call that traces it). Also printed
for information: the recipe's loop run over the whole batch at once, and the project's
``Predictor.translate`` (string in, string out; it pads with PAD, which the encoder masks, so
its outputs may differ from the recipe's). Last line: ``speedup: X`` = recipe loop time per
sentence / project time per sentence, both at batch 1 (the batched ratio is printed just
before it). Times are wall-clock in this process on a shared machine: compare ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

import keras_recipe  # noqa: E402


def project_model_from_recipe(recipe):
    """A feedback-mode Seq2SeqModel computing exactly what ``recipe``'s models compute."""
    from playground.config import ModelConfig
    from playground.data.vocab import END_ID, PAD_ID, START_ID, UNK_ID, Vocabulary
    from playground.models.seq2seq import Seq2SeqModel

    source_vocab = Vocabulary(recipe.input_characters, "char")
    target_vocab = Vocabulary([c for c in recipe.target_characters if c not in ("\t", "\n")], "char")
    n_enc, n_dec, units = recipe.num_encoder_tokens, recipe.num_decoder_tokens, recipe.latent_dim
    dim = max(n_enc, n_dec)
    config = ModelConfig(mode="feedback", cell="lstm", layers=1, units=units, embedding_dim=dim,
                         source_vocab_size=len(source_vocab), target_vocab_size=len(target_vocab),
                         max_source_length=recipe.max_encoder_seq_length,
                         max_target_length=recipe.max_decoder_seq_length)
    meta = {"source_vocab": source_vocab.to_dict(), "target_vocab": target_vocab.to_dict(),
            "data_options": {"level": "char", "normalize_unicode": False}}
    model = Seq2SeqModel(config.to_dict(), meta)
    model.build_with_dummy_inputs()

    source_rows = np.zeros((len(source_vocab), dim), "float32")
    for char, index in recipe.input_token_index.items():
        source_rows[source_vocab.token_to_id(char), index] = 1.0
    target_index = {}  # project target id -> recipe target index
    for char, index in recipe.target_token_index.items():
        token_id = {"\t": START_ID, "\n": END_ID}.get(char, None)
        target_index[target_vocab.token_to_id(char) if token_id is None else token_id] = index
    target_rows = np.zeros((len(target_vocab), dim), "float32")
    for token_id, index in target_index.items():
        target_rows[token_id, index] = 1.0

    def padded_kernel(weights, rows):
        kernel, recurrent, bias = weights
        full = np.zeros((dim, kernel.shape[1]), "float32")
        full[:rows] = kernel
        return [full, recurrent, bias]

    dense_kernel, dense_bias = recipe.decoder_dense.get_weights()
    kernel = np.zeros((units, len(target_vocab)), "float32")
    bias = np.full(len(target_vocab), -1e9, "float32")
    for token_id, index in target_index.items():
        kernel[:, token_id] = dense_kernel[:, index]
        bias[token_id] = dense_bias[index]
    assert bias[PAD_ID] == -1e9 and bias[UNK_ID] == -1e9

    model.source_embedding.set_weights([source_rows])
    model.encoder_layers[0].set_weights(padded_kernel(recipe.encoder.get_weights(), n_enc))
    model.target_embedding.set_weights([target_rows])
    model.decoder_layers[0].set_weights(padded_kernel(recipe.decoder_lstm.get_weights(), n_dec))
    model.output_layer.set_weights([kernel, bias])
    return model, source_vocab, target_vocab


def source_ids(texts, source_vocab, length):
    """Ids padded with the id of " " (not PAD) to ``length`` (the recipe's padding)."""
    space = source_vocab.token_to_id(" ")
    out = np.full((len(texts), max(length, max(len(t) for t in texts))), space, np.int32)
    for i, text in enumerate(texts):
        out[i, :len(text)] = source_vocab.encode(list(text))
    return out


def as_recipe_text(row, target_vocab):
    """Project output ids → the recipe's string ("\\t" for START, "\\n" for END, stop after END)."""
    from playground.data.vocab import END_ID, PAD_ID, START_ID

    chars = []
    for token_id in row:
        token_id = int(token_id)
        if token_id == END_ID:
            chars.append("\n")
            break
        if token_id == PAD_ID:
            break
        chars.append("\t" if token_id == START_ID else target_vocab.id_to_token(token_id))
    return "".join(chars)


def summary(times):
    return (f"mean {statistics.mean(times) * 1000:9.2f} ms  median {statistics.median(times) * 1000:9.2f} ms  "
            f"min {min(times) * 1000:9.2f} ms  max {max(times) * 1000:9.2f} ms")


def main():
    parser = argparse.ArgumentParser(description="Greedy decode speed: project vs the Keras recipe's loop")
    parser.add_argument("--data", default=keras_recipe.default_data_path())
    parser.add_argument("--pairs", type=int, default=10000, help="recipe training slice (first N lines)")
    parser.add_argument("--epochs", type=int, default=3, help="recipe training epochs (speed only)")
    parser.add_argument("--sentences", type=int, default=100, help="held-out sentences timed (N)")
    parser.add_argument("--each", action="store_true", help="print every sentence's times")
    args = parser.parse_args()
    if not os.path.exists(args.data):
        sys.exit(f"{args.data}: not found (the shared tatoeba data is needed; pass --data)")

    from playground.backend.loading import load_backend

    backend = load_backend()  # KERAS_BACKEND (tensorflow by default)
    import keras

    from playground.inference import search
    from playground.inference.predictor import Predictor

    lines = keras_recipe.read_lines(args.data)
    recipe = keras_recipe.Recipe(keras_recipe.recipe_pairs(lines, args.pairs))
    start = time.perf_counter()
    recipe.fit(args.epochs)
    print(f"recipe trained {args.epochs} epochs on {args.pairs} pairs in {time.perf_counter() - start:.0f}s; "
          f"backend {backend}, keras {keras.__version__}, cpus {os.cpu_count()}, load {os.getloadavg()[0]:.1f}", flush=True)
    texts = [s for s, _ in keras_recipe.held_out_pairs(lines, args.pairs, args.sentences)]
    n = len(texts)
    model, source_vocab, target_vocab = project_model_from_recipe(recipe)
    max_length = recipe.max_decoder_seq_length + 1
    ids = source_ids(texts, source_vocab, recipe.max_encoder_seq_length)

    # Warm-up: trace the project's search (once per model), and one recipe predict pair.
    search.greedy_decode(model, ids[:1], max_length)
    recipe.decode_sequence(recipe.encode_inputs(texts[:1]))

    recipe_out, recipe_times = [], []
    for text in texts:
        begin = time.perf_counter()
        recipe_out.append(recipe.decode_sequence(recipe.encode_inputs([text])))
        recipe_times.append(time.perf_counter() - begin)
    project_out, project_times = [], []
    for i in range(n):
        begin = time.perf_counter()
        tokens = search.greedy_decode(model, source_ids([texts[i]], source_vocab, recipe.max_encoder_seq_length),
                                      max_length).tokens
        project_times.append(time.perf_counter() - begin)
        project_out.append(as_recipe_text(tokens[0], target_vocab))
    search.greedy_decode(model, ids, max_length)  # warm-up at this batch size
    begin = time.perf_counter()
    batched = search.greedy_decode(model, ids, max_length).tokens
    batched_s = time.perf_counter() - begin
    batched_out = [as_recipe_text(row, target_vocab) for row in batched]
    begin = time.perf_counter()
    recipe_batched_out = recipe.decode_batch(recipe.encode_inputs(texts))
    recipe_batched_s = time.perf_counter() - begin
    predictor = Predictor(model)
    predictor.translate(texts[:1])
    predictor_times = []
    for text in texts:
        begin = time.perf_counter()
        predictor.translate([text])
        predictor_times.append(time.perf_counter() - begin)

    if args.each:
        print("per sentence (ms): recipe loop b1 | project b1 | chars | source")
        for i in range(n):
            print(f"  {recipe_times[i] * 1000:9.1f} | {project_times[i] * 1000:7.2f} | {len(recipe_out[i]):3d} | "
                  f"{texts[i]}")
    for i in range(min(3, n)):
        print(f"example: {texts[i]!r} -> recipe {recipe_out[i]!r} / project {project_out[i]!r}")
    same_b1 = sum(a == b for a, b in zip(recipe_out, project_out))
    same_batched = sum(a == b for a, b in zip(recipe_out, batched_out))
    same_recipe_batched = sum(a == b for a, b in zip(recipe_out, recipe_batched_out))
    mean_chars = statistics.mean(len(t) for t in recipe_out)
    print(f"sentences: {n}; output characters per sentence: {mean_chars:.1f}; load now {os.getloadavg()[0]:.1f}")
    print(f"identical outputs, project batch 1 vs recipe loop: {same_b1}/{n}")
    print(f"identical outputs, project batched vs recipe loop: {same_batched}/{n}")
    print(f"identical outputs, recipe batched loop vs recipe loop: {same_recipe_batched}/{n}")
    print(f"recipe loop, batch 1, per sentence:        {summary(recipe_times)}")
    print(f"project greedy, batch 1, per sentence:     {summary(project_times)}")
    print(f"project Predictor.translate, batch 1:      {summary(predictor_times)}")
    print(f"project greedy, one call of {n}, per sentence: {batched_s / n * 1000:9.3f} ms (call {batched_s:.3f} s)")
    print(f"recipe loop, one batch of {n}, per sentence:   {recipe_batched_s / n * 1000:9.3f} ms "
          f"(call {recipe_batched_s:.3f} s)")
    recipe_mean = statistics.mean(recipe_times)
    print(f"batched speedup (recipe loop b1 / project batched, per sentence): {recipe_mean / (batched_s / n):.0f}")
    print(f"speedup: {recipe_mean / statistics.mean(project_times):.0f}")


if __name__ == "__main__":
    main()
