"""The Keras character-level seq2seq recipe, the baseline of issue #2 §8 and §9.

Written after the keras-io example "Character-level recurrent sequence-to-sequence model"
(examples/nlp/lstm_seq2seq.py, fchollet, last modified 2023/11/22): one-hot characters,
an LSTM(256) encoder whose final (h, c) start a teacher-forced LSTM(256) decoder, a softmax
Dense, rmsprop + categorical cross-entropy, batch 64, ``validation_split=0.2``; targets are
``"\\t" + text + "\\n"``; sequences are padded with the one-hot space character (as the keras-io
version does; the older keras/examples version padded with all-zero steps, and so does this
one for data without a space character, e.g. the built-in digits tasks) and nothing is masked.
Inference is the recipe's own loop: ``encoder_model.predict`` once, then ``decoder_model.predict``
once per output character.

Differences from the example, all mechanical:

- the file is read from a path (no download), and it has two tab-separated columns
  (the example's fra.txt has a third, attribution column);
- the model is not saved and reloaded between training and inference; the inference models
  are built from the trained layers exactly as the example builds them from the reloaded ones;
- :func:`decode_batch` runs the same loop over a batch (one ``predict`` per step for all
  sentences) for scoring many held-out sentences; :func:`decode_sequence` is the example's
  one-sentence loop, used for timing;
- held-out sentences may contain characters the recipe never saw (they encode as all-zero
  steps, the only thing one-hot can do) or be longer than its longest training input (they
  are then encoded at their own length instead of being cut).

Not a benchmark by itself: ``tatoeba_quality.py``, ``decode_speed.py`` and ``train_speed.py``
import it. ``python benchmarks/keras_recipe.py --epochs 1`` trains it and prints a few outputs.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

DATA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "tatoeba",
                         "tatoeba-eng-fra.txt")
BATCH_SIZE = 64
LATENT_DIM = 256
NUM_SAMPLES = 10000


def default_data_path() -> str:
    """The shared tatoeba eng-fra file (../shared relative to the project root)."""
    return os.path.normpath(DATA_PATH)


def read_lines(path: str) -> list[str]:
    with open(path, "r", encoding="utf-8") as f:
        return f.read().split("\n")


def split_pair(line: str) -> tuple[str, str]:
    input_text, target_text = line.split("\t")[:2]
    return input_text, target_text


def recipe_pairs(lines: list[str], num_samples: int = NUM_SAMPLES) -> list[tuple[str, str]]:
    """The recipe's training slice: the first ``num_samples`` lines, (english, french)."""
    return [split_pair(line) for line in lines[: min(num_samples, len(lines) - 1)]]


def held_out_pairs(lines: list[str], num_samples: int, count: int) -> list[tuple[str, str]]:
    """``count`` pairs after the training slice, in file order, whose English side does not
    occur in the slice (the file is grouped by English sentence, so normally the next lines)."""
    seen = {english for english, _ in recipe_pairs(lines, num_samples)}
    out = []
    for line in lines[num_samples:]:
        if "\t" not in line:
            continue
        english, french = split_pair(line)
        if english in seen:
            continue
        out.append((english, french))
        if len(out) == count:
            break
    return out


class Recipe:
    """Vectorised data, the training model and the inference models of the recipe."""

    def __init__(self, pairs: list[tuple[str, str]], latent_dim: int = LATENT_DIM):
        # Vectorize the data (as in the example).
        self.latent_dim = latent_dim
        self.input_texts = []
        self.target_texts = []
        input_characters = set()
        target_characters = set()
        for input_text, target_text in pairs:
            # "\t" is the start-of-sequence character, "\n" the end-of-sequence character.
            target_text = "\t" + target_text + "\n"
            self.input_texts.append(input_text)
            self.target_texts.append(target_text)
            input_characters.update(input_text)
            target_characters.update(target_text)
        self.input_characters = sorted(input_characters)
        self.target_characters = sorted(target_characters)
        self.num_encoder_tokens = len(self.input_characters)
        self.num_decoder_tokens = len(self.target_characters)
        self.max_encoder_seq_length = max(len(t) for t in self.input_texts)
        self.max_decoder_seq_length = max(len(t) for t in self.target_texts)
        self.input_token_index = {c: i for i, c in enumerate(self.input_characters)}
        self.target_token_index = {c: i for i, c in enumerate(self.target_characters)}
        self.reverse_target_char_index = {i: c for c, i in self.target_token_index.items()}

        n = len(self.input_texts)
        self.encoder_input_data = self.encode_inputs(self.input_texts)
        self.decoder_input_data = np.zeros((n, self.max_decoder_seq_length, self.num_decoder_tokens), "float32")
        self.decoder_target_data = np.zeros((n, self.max_decoder_seq_length, self.num_decoder_tokens), "float32")
        space = self.target_token_index.get(" ")  # padding character (None: all-zero steps)
        for i, target_text in enumerate(self.target_texts):
            for t, char in enumerate(target_text):
                # decoder_target_data is ahead of decoder_input_data by one timestep
                self.decoder_input_data[i, t, self.target_token_index[char]] = 1.0
                if t > 0:
                    self.decoder_target_data[i, t - 1, self.target_token_index[char]] = 1.0
            if space is not None:
                self.decoder_input_data[i, t + 1:, space] = 1.0
                self.decoder_target_data[i, t:, space] = 1.0
        self.model = None
        self.encoder_model = None
        self.decoder_model = None

    def encode_inputs(self, texts: list[str]) -> np.ndarray:
        """One-hot [N, L, num_encoder_tokens], space-padded to the recipe's max input length
        (or to the longest text when longer); unseen characters are all-zero steps."""
        length = max(self.max_encoder_seq_length, max(len(t) for t in texts))
        data = np.zeros((len(texts), length, self.num_encoder_tokens), "float32")
        space = self.input_token_index.get(" ")
        for i, input_text in enumerate(texts):
            t = -1
            for t, char in enumerate(input_text):
                index = self.input_token_index.get(char)
                if index is not None:
                    data[i, t, index] = 1.0
            if space is not None:
                data[i, t + 1:, space] = 1.0
        return data

    # -- the model ------------------------------------------------------------------------

    def build(self):
        import keras

        latent_dim = self.latent_dim
        encoder_inputs = keras.Input(shape=(None, self.num_encoder_tokens))
        encoder = keras.layers.LSTM(latent_dim, return_state=True)
        encoder_outputs, state_h, state_c = encoder(encoder_inputs)
        # We discard `encoder_outputs` and only keep the states.
        encoder_states = [state_h, state_c]
        decoder_inputs = keras.Input(shape=(None, self.num_decoder_tokens))
        decoder_lstm = keras.layers.LSTM(latent_dim, return_sequences=True, return_state=True)
        decoder_outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=encoder_states)
        decoder_dense = keras.layers.Dense(self.num_decoder_tokens, activation="softmax")
        decoder_outputs = decoder_dense(decoder_outputs)
        self.model = keras.Model([encoder_inputs, decoder_inputs], decoder_outputs)
        self.model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
        self.encoder, self.decoder_lstm, self.decoder_dense = encoder, decoder_lstm, decoder_dense
        return self.model

    def fit(self, epochs: int, *, batch_size: int = BATCH_SIZE, validation_split: float = 0.2,
            verbose: int = 0, limit: int | None = None, budget_s: float | None = None) -> list[float]:
        """``model.fit`` as in the example → wall seconds per epoch (validation included);
        process CPU seconds per epoch are left in ``self.cpu_stamps``.

        ``limit`` trains on the first ``limit`` vectorised pairs only (speed runs);
        ``budget_s`` stops training after the batch that crosses that many seconds."""
        import keras

        if self.model is None:
            self.build()
        stamps = []
        self.cpu_stamps = cpu_stamps = []  # process CPU seconds per epoch (all threads)

        class Timer(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                self.start = time.perf_counter()

            def on_train_batch_end(self, batch, logs=None):
                if budget_s is not None and time.perf_counter() - self.start > budget_s:
                    self.model.stop_training = True

            def on_epoch_begin(self, epoch, logs=None):
                self.begin = time.perf_counter()
                self.cpu_begin = time.process_time()

            def on_epoch_end(self, epoch, logs=None):
                stamps.append(time.perf_counter() - self.begin)
                cpu_stamps.append(time.process_time() - self.cpu_begin)
                if verbose:
                    shown = {k: round(float(v), 4) for k, v in (logs or {}).items()}
                    print(f"  recipe epoch {epoch + 1}/{epochs}: {stamps[-1]:.1f}s {shown}", flush=True)

        end = limit or len(self.input_texts)
        self.model.fit([self.encoder_input_data[:end], self.decoder_input_data[:end]],
                       self.decoder_target_data[:end], batch_size=batch_size, epochs=epochs,
                       validation_split=validation_split, verbose=0, callbacks=[Timer()])
        self._build_inference()
        return stamps

    def _build_inference(self):
        """The sampling models, built from the trained layers as the example does."""
        import keras

        latent_dim = self.latent_dim
        encoder_inputs = self.model.input[0]
        encoder_outputs, state_h_enc, state_c_enc = self.encoder.output
        self.encoder_model = keras.Model(encoder_inputs, [state_h_enc, state_c_enc])
        decoder_inputs = self.model.input[1]
        decoder_state_input_h = keras.Input(shape=(latent_dim,))
        decoder_state_input_c = keras.Input(shape=(latent_dim,))
        decoder_states_inputs = [decoder_state_input_h, decoder_state_input_c]
        decoder_outputs, state_h_dec, state_c_dec = self.decoder_lstm(
            decoder_inputs, initial_state=decoder_states_inputs)
        decoder_outputs = self.decoder_dense(decoder_outputs)
        self.decoder_model = keras.Model([decoder_inputs] + decoder_states_inputs,
                                         [decoder_outputs, state_h_dec, state_c_dec])

    # -- inference ------------------------------------------------------------------------

    def decode_sequence(self, input_seq) -> str:
        """The example's loop for one sentence ``input_seq`` [1, L, num_encoder_tokens]
        → the decoded characters, "\\n" included when it was produced."""
        # Encode the input as state vectors.
        states_value = self.encoder_model.predict(input_seq, verbose=0)
        # Generate empty target sequence of length 1, holding the start character.
        target_seq = np.zeros((1, 1, self.num_decoder_tokens))
        target_seq[0, 0, self.target_token_index["\t"]] = 1.0
        stop_condition = False
        decoded_sentence = ""
        while not stop_condition:
            output_tokens, h, c = self.decoder_model.predict([target_seq] + states_value, verbose=0)
            # Sample a token
            sampled_token_index = np.argmax(output_tokens[0, -1, :])
            sampled_char = self.reverse_target_char_index[sampled_token_index]
            decoded_sentence += sampled_char
            # Exit condition: either hit max length or find stop character.
            if sampled_char == "\n" or len(decoded_sentence) > self.max_decoder_seq_length:
                stop_condition = True
            # Update the target sequence (of length 1).
            target_seq = np.zeros((1, 1, self.num_decoder_tokens))
            target_seq[0, 0, sampled_token_index] = 1.0
            # Update states
            states_value = [h, c]
        return decoded_sentence

    def decode_batch(self, input_seqs) -> list[str]:
        """The same loop over a batch [B, L, num_encoder_tokens]: one ``predict`` per step for
        all sentences, each stopping at "\\n" or past ``max_decoder_seq_length`` characters."""
        batch = input_seqs.shape[0]
        states_value = self.encoder_model.predict(input_seqs, verbose=0, batch_size=batch)
        target_seq = np.zeros((batch, 1, self.num_decoder_tokens))
        target_seq[:, 0, self.target_token_index["\t"]] = 1.0
        decoded = [""] * batch
        done = np.zeros(batch, bool)
        while not done.all():
            output_tokens, h, c = self.decoder_model.predict([target_seq] + list(states_value), verbose=0,
                                                             batch_size=batch)
            sampled = np.argmax(output_tokens[:, -1, :], -1)
            for i in np.flatnonzero(~done):
                decoded[i] += self.reverse_target_char_index[int(sampled[i])]
                if decoded[i][-1] == "\n" or len(decoded[i]) > self.max_decoder_seq_length:
                    done[i] = True
            target_seq = np.zeros((batch, 1, self.num_decoder_tokens))
            target_seq[np.arange(batch), 0, sampled] = 1.0
            states_value = [h, c]
        return decoded

    def translate(self, texts: list[str], batch_size: int = 500) -> list[str]:
        """Held-out texts → outputs without the final "\\n" (batched loop)."""
        out = []
        for begin in range(0, len(texts), batch_size):
            chunk = texts[begin:begin + batch_size]
            out.extend(self.decode_batch(self.encode_inputs(chunk)))
        return [t[:-1] if t.endswith("\n") else t for t in out]


def main():
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=default_data_path())
    parser.add_argument("--pairs", type=int, default=NUM_SAMPLES)
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    lines = read_lines(args.data)
    recipe = Recipe(recipe_pairs(lines, args.pairs))
    print(f"encoder tokens {recipe.num_encoder_tokens}, decoder tokens {recipe.num_decoder_tokens}, "
          f"max lengths {recipe.max_encoder_seq_length}/{recipe.max_decoder_seq_length}")
    print("seconds per epoch:", [round(s, 1) for s in recipe.fit(args.epochs, verbose=1)])
    held = held_out_pairs(lines, args.pairs, 5)
    for (english, french), produced in zip(held, recipe.translate([e for e, _ in held])):
        print(f"{english!r} -> {produced!r} (reference {french!r})")


if __name__ == "__main__":
    main()
