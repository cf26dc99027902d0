"""The trainer: one loop over batches on any Keras backend, reporting through a plain callback.

Runs on whatever thread calls :meth:`Trainer.run` (the UI uses a worker thread);
:meth:`pause`, :meth:`resume` and :meth:`stop` may be called from any thread and take
effect within one batch. A checkpoint (a full model file with optimizer state) is
written atomically after every epoch; a NaN/inf loss stops training and restores the
last good weights.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import threading
import time
from dataclasses import dataclass

import numpy as np

from playground.config import ModelConfig, TrainConfig
from playground.training import events as ev
from playground.training.losses import masked_token_sums
from playground.data.batching import batches_per_epoch, encode_split, pad_batch

VAL_EXACT_MATCH_ITEMS = 1000  # cap on validation items greedy-decoded per epoch
# A batch loss this many times the run's starting loss (or ln V, if larger) means the run
# diverged: gradient clipping keeps such a loss finite, so a NaN check alone never fires.
DIVERGENCE_FACTOR = 4.0


@dataclass
class TrainResult:
    model: object  # the trained Seq2SeqModel (usable even when stopped)
    status: str  # done | stopped | early_stopped | nan | diverged | error
    message: str
    epochs_completed: int
    history: dict
    error: BaseException | None = None


def complete_model_config(config: ModelConfig, corpus) -> ModelConfig:
    """Fills vocabulary sizes and maximum lengths from the corpus."""
    longest_source = max((len(s) for s, _ in corpus.train), default=1)
    longest_target = max((len(t) for _, t in corpus.train), default=1)
    longest_source, longest_target = max(longest_source, 1), max(longest_target, 1)
    # Learned positions cover the longest output the predictor asks for (1.5 × the longest
    # sequence, inputs up to twice the training length); later positions share the last one.
    positions = config.max_positions or (3 * max(longest_source, longest_target) + 4 if config.is_transformer else 0)
    return dataclasses.replace(
        config,
        source_vocab_size=len(corpus.source_vocab) if corpus.source_vocab is not None else 0,
        target_vocab_size=len(corpus.target_vocab),
        max_source_length=longest_source,
        max_target_length=longest_target,
        max_positions=positions,
    )


def build_meta(corpus, model_config: ModelConfig, train_config: TrainConfig) -> dict:
    """The JSON-able description stored with the model (everything but the weights)."""
    return {
        "task": "lm" if model_config.is_lm else "translate",
        "source": corpus.name,
        "corpus_kind": corpus.kind,
        "data_options": corpus.options.to_dict(),
        "data": corpus.describe(),
        "source_vocab": corpus.source_vocab.to_dict() if corpus.source_vocab is not None else None,
        "target_vocab": corpus.target_vocab.to_dict(),
        "test_examples": [[list(s), list(t)] for s, t in corpus.test],
        "test_pairs": [list(p) for p in getattr(corpus, "raw_test", [])],
        "extra": dict(getattr(corpus, "extra", {}) or {}),
        "train_config": train_config.to_dict(),
        "history": {"epochs": [], "batch_loss": []},
        "metrics": {},
        "epochs_completed": 0,
    }


class Trainer:
    """Trains a new model on ``corpus`` (or continues ``resume_model``).

    ``callback(event)`` receives :mod:`playground.training.events` objects; raising
    :class:`~playground.training.events.StopTraining` from it stops the run.
    """

    def __init__(self, corpus, model_config: ModelConfig, train_config: TrainConfig, *,
                 callback=None, checkpoint_path=None, resume_model=None, device_plan=None,
                 checkpoint_last_epoch: bool = True):
        self.corpus = corpus
        self.train_config = train_config
        self.callback = callback or (lambda event: None)
        self.checkpoint_path = checkpoint_path
        self.resume_model = resume_model
        self.device_plan = device_plan
        self.model_config = resume_model.config if resume_model is not None else \
            complete_model_config(model_config, corpus)
        self.model = resume_model
        self.saved_epoch = 0  # the last epoch this run wrote to checkpoint_path (0: none)
        self._finished = None  # (epoch count, weights) at the end of the last finished epoch
        # False: the epoch that ends the run is not written here; the caller saves the final
        # model once (with its test metrics) instead of twice.
        self.checkpoint_last_epoch = checkpoint_last_epoch
        self.paused_seconds = 0.0  # time spent paused, left out of "elapsed" and the ETA
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()

    # -- control (any thread) --------------------------------------------------------------

    def stop(self):
        self._stop.set()
        self._running.set()

    def pause(self):
        if not self._stop.is_set():  # a stop wins, in whichever order the two arrive
            self._running.clear()

    def resume(self):
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def _wait_if_paused(self):
        if self._running.is_set():
            return
        self.callback(ev.Paused(True))
        began = time.perf_counter()
        while not self._running.wait(0.1) and not self._stop.is_set():
            pass
        self.paused_seconds += time.perf_counter() - began
        if not self._stop.is_set():
            self.callback(ev.Paused(False))

    # -- building --------------------------------------------------------------------------

    def _build(self, plan, total_steps: int):
        import keras

        from playground.models.seq2seq import Seq2SeqModel

        cfg = self.train_config
        keras.utils.set_random_seed(cfg.seed)
        use_mixed = cfg.mixed_precision and plan.kind == "gpu"
        previous_policy = keras.mixed_precision.global_policy().name
        if use_mixed:
            keras.mixed_precision.set_global_policy("mixed_float16")
        try:
            with plan.scope():
                if self.model is None:
                    meta = build_meta(self.corpus, self.model_config, cfg)
                    self.model = Seq2SeqModel(self.model_config.to_dict(), meta)
                    self.model.build_with_dummy_inputs()
                if getattr(self.model, "optimizer", None) is None:
                    optimizer = _make_optimizer(cfg, total_steps)
                    if use_mixed:
                        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
                    self.model.compile(optimizer=optimizer)
                    self.model.optimizer.build(self.model.trainable_variables)
        finally:
            keras.mixed_precision.set_global_policy(previous_policy)
        self.model.meta["train_config"] = cfg.to_dict()

    # -- the loop --------------------------------------------------------------------------

    def run(self) -> TrainResult:
        """Trains to completion, stop, early stop, NaN or error; never raises for those."""
        try:
            return self._run()
        except Exception as exc:  # reported to the caller as an event, the app keeps going
            from playground.modelfile import ModelFileError

            said = str(exc) if isinstance(exc, ModelFileError) else f"{type(exc).__name__}: {exc}"  # it names the file
            message = f"{said}{self._keep_finished_epoch()}"
            self.callback(ev.TrainFinished("error", message, self._epochs_completed()))
            return TrainResult(self.model, "error", message, self._epochs_completed(), self._history(), exc)

    def _keep_finished_epoch(self) -> str:
        """After an error (a callback's, say, at the last EpochEnd): an epoch that finished but was
        not yet written goes to the checkpoint, so the file holds what the result reports."""
        if not self.checkpoint_path or self._finished is None or self._finished[0] <= self.saved_epoch:
            return ""
        epochs, weights = self._finished
        try:
            from playground.modelfile import save_model

            self.model.set_weights(weights)
            self.model.meta["epochs_completed"] = epochs
            save_model(self.model, self.checkpoint_path)
        except Exception:  # noqa: BLE001 -- the error being reported matters more
            return ""
        self.saved_epoch = epochs
        return f"; the last finished epoch ({epochs}) is kept in {self.checkpoint_path}"

    def _epochs_completed(self) -> int:
        return int(self.model.meta.get("epochs_completed", 0)) if self.model is not None else 0

    def _history(self) -> dict:
        return self.model.meta.get("history", {}) if self.model is not None else {}

    def _run(self) -> TrainResult:
        from playground.backend.devices import plan_device

        cfg = self.train_config
        plan = self.device_plan or plan_device(cfg.device, distribute=cfg.distribute)
        with plan.scope():
            return self._run_on(plan)

    def _run_on(self, plan) -> TrainResult:
        from playground.backend.steps import fills_batches, make_steps
        from playground.data.vocab import Vocabulary

        cfg = self.train_config
        corpus = self.corpus
        if self.model is not None:  # resuming: the checkpoint's vocabularies, not the corpus's
            meta = self.model.meta
            source_vocab = Vocabulary.from_dict(meta["source_vocab"]) if meta.get("source_vocab") else None
            target_vocab = Vocabulary.from_dict(meta["target_vocab"])
        else:
            source_vocab, target_vocab = corpus.source_vocab, corpus.target_vocab
        train = encode_split(corpus.train, source_vocab, target_vocab)
        val = encode_split(corpus.val, source_vocab, target_vocab)
        if len(train) == 0:
            raise ValueError(f"{corpus.name}: the training split is empty")
        fill = fills_batches(plan.backend)
        n_batches = batches_per_epoch(train, cfg.batch_size, cfg.bucket_width, fill=fill)
        if cfg.max_batches_per_epoch:
            n_batches = min(n_batches, cfg.max_batches_per_epoch)
        self._build(plan, total_steps=n_batches * cfg.epochs)
        model = self.model
        steps = make_steps(model, plan, functools.partial(masked_token_sums, label_smoothing=cfg.label_smoothing))
        first_epoch = self._epochs_completed()
        history = model.meta.setdefault("history", {"epochs": [], "batch_loss": []})
        self.callback(ev.TrainStarted(plan.title, plan.replicas, cfg.epochs, first_epoch, n_batches,
                                      len(train), len(val), int(model.count_params())))
        model.meta["device"] = plan.title
        good_weights = model.get_weights()
        best_val, epochs_without_gain = math.inf, 0
        start = time.perf_counter()
        step = first_epoch * n_batches
        status, message = "done", f"Trained {ev.count(cfg.epochs, 'epoch')}"
        epochs_left = cfg.epochs - first_epoch
        loss_limit = None  # set from the first batch of this run
        first_done = None  # seconds of training when the run's first batch ended
        for epoch in range(first_epoch, cfg.epochs):
            sums = np.zeros(3)
            recent = []  # (time, examples) for throughput

            def account(batch_index, handle, examples):
                """One finished batch → its event; → (status, message) when the run failed."""
                nonlocal loss_limit, step, recent, first_done
                loss_sum, correct, count = steps.values(handle)
                loss = loss_sum / max(count, 1.0)
                if loss_limit is None and math.isfinite(loss):
                    loss_limit = DIVERGENCE_FACTOR * max(loss, math.log(max(self.model_config.target_vocab_size, 2)))
                if not math.isfinite(loss) or loss > loss_limit:
                    self._emit(ev.BatchFailed(epoch, batch_index, step + 1, loss))
                    return ("nan" if not math.isfinite(loss) else "diverged",
                            self._failure_message(loss, loss_limit, epoch, batch_index))
                sums[:] += (loss_sum, correct, count)
                step += 1
                now = time.perf_counter()
                recent = (recent + [(now, examples)])[-20:]
                elapsed = now - start - self.paused_seconds
                done_batches = (epoch - first_epoch) * n_batches + batch_index + 1
                # The first batch includes compiling: the rate is measured from its end (-1: not yet known).
                if first_done is None:
                    first_done = elapsed
                eta = ((elapsed - first_done) / (done_batches - 1) * (epochs_left * n_batches - done_batches)
                       if done_batches > 1 else -1.0)
                history["batch_loss"].append(round(loss, 5))
                self._emit(ev.BatchEnd(epoch, batch_index, step, loss, correct / max(count, 1.0),
                                       _throughput(recent), elapsed, eta))
                return None

            # A batch's figures are read after the next batch is dispatched, so the device
            # never waits for the host between steps.
            pending, failure = None, None
            for batch_index, (batch, examples) in enumerate(
                    steps.batches(train, cfg.batch_size, bucket_width=cfg.bucket_width, seed=cfg.seed + epoch)):
                if batch_index >= n_batches:
                    break
                if self.paused or self._stop.is_set():
                    if pending is not None:
                        failure, pending = account(*pending), None
                        if failure:
                            break
                    self._wait_if_paused()
                    if self._stop.is_set():
                        break
                handle = steps.train(batch)
                if pending is not None:
                    failure = account(*pending)
                    if failure:
                        break
                pending = (batch_index, handle, examples)
            if pending is not None and failure is None:
                failure = account(*pending)
            if failure:
                model.set_weights(good_weights)
                status, message = failure
                break
            if self._stop.is_set():
                status, message = "stopped", f"Stopped during epoch {epoch + 1}; the model is usable as it is"
                break
            record = self._end_epoch(epoch, sums, val, steps, target_vocab, start)
            history["epochs"].append(record)
            model.meta["epochs_completed"] = epoch + 1
            good_weights = model.get_weights()
            self._finished = (epoch + 1, good_weights)
            val_loss = record.get("val_loss")
            if val_loss is not None and val_loss < best_val - 1e-4:
                best_val, epochs_without_gain = val_loss, 0
            else:
                epochs_without_gain += 1
            if cfg.early_stopping and val_loss is not None and epochs_without_gain >= cfg.early_stopping:
                status = "early_stopped"
                message = f"Early stop after epoch {epoch + 1}: no validation gain in {cfg.early_stopping} epochs"
            elif self._stop.is_set():
                status, message = "stopped", f"Stopped after epoch {epoch + 1}"
            last = status != "done" or epoch + 1 == cfg.epochs
            written = None
            if self.checkpoint_path and (self.checkpoint_last_epoch or not last):
                from playground.modelfile import save_model

                written = str(save_model(model, self.checkpoint_path))
                self.saved_epoch = epoch + 1
            self._emit(ev.EpochEnd(epoch, record["train_loss"], record["train_token_accuracy"],
                                   record.get("val_loss"), record.get("val_token_accuracy"),
                                   record.get("val_exact_match"), record.get("samples", []),
                                   record["elapsed"], written, record.get("learning_rate")))
            if status == "done" and self._stop.is_set():  # stopped by the EpochEnd callback itself
                status, message = "stopped", f"Stopped after epoch {epoch + 1}"
            if status != "done":
                break
        best = None if best_val == math.inf else best_val
        self.callback(ev.TrainFinished(status, message, self._epochs_completed(), best))
        return TrainResult(model, status, message, self._epochs_completed(), history)

    def _failure_message(self, loss, limit, epoch, batch_index) -> str:
        where = f"at epoch {epoch + 1}, batch {batch_index + 1}"
        if math.isfinite(loss):
            what = f"Training diverged {where}: the loss reached {loss:.4g} (the limit is {limit:.3g}, 4x where it started)"
        else:
            what = f"The loss became {loss} {where}"
        rate = self.train_config.learning_rate
        kept = (f"the weights from the end of epoch {epoch} (last good) were restored" if epoch > 0 else
                "no epoch had finished, so there is no model to keep")
        return (f"{what}; training stopped and {kept}. The learning rate {rate:g} is likely too high "
                f"(try {rate / 10:g}, ten times lower).")

    def _emit(self, event):
        try:
            self.callback(event)
        except ev.StopTraining:
            self.stop()

    def _end_epoch(self, epoch, sums, val, steps, target_vocab, start) -> dict:
        record = {"epoch": epoch + 1, "train_loss": sums[0] / max(sums[2], 1), "train_token_accuracy":
                  sums[1] / max(sums[2], 1)}
        if len(val):
            totals = np.zeros(3)
            for batch, _ in steps.batches(val, self.train_config.batch_size,
                                          bucket_width=self.train_config.bucket_width, shuffle=False):
                totals += steps.values(steps.evaluate(batch))
            record["val_loss"] = totals[0] / max(totals[2], 1)
            record["val_token_accuracy"] = totals[1] / max(totals[2], 1)
            record.update(self._validation_outputs(val, target_vocab))
        record["elapsed"] = time.perf_counter() - start - self.paused_seconds
        record = {k: (round(float(v), 6) if isinstance(v, (float, np.floating)) else v) for k, v in record.items()}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None:  # six significant digits: warm-up rates are tiny
            import keras

            record["learning_rate"] = float(f"{float(keras.ops.convert_to_numpy(optimizer.learning_rate)):.6g}")
        return record

    def _validation_outputs(self, val, target_vocab) -> dict:
        """Greedy exact match on (up to) the first validation items, and a few samples
        (input, expected, produced). A language model continues the first quarter of an item."""
        from playground.inference.predictor import Predictor

        predictor = Predictor(self.model)
        examples = self.corpus.val
        n_samples = min(self.train_config.sample_items, len(examples))
        if self.model_config.is_lm:
            samples = []
            for source_tokens, target_tokens in examples[:n_samples]:
                prompt = list(target_tokens[: max(1, len(target_tokens) // 4)])
                produced, _ = predictor.generate_tokens(prompt, length=len(target_tokens) - len(prompt),
                                                        temperature=1e-3)
                samples.append((predictor.detokenize(prompt), predictor.detokenize(list(target_tokens)),
                                predictor.detokenize(produced)))
            return {"samples": samples}
        count = min(len(val), VAL_EXACT_MATCH_ITEMS)
        produced = []
        for begin in range(0, count, 256):
            produced.extend(predictor.translate_ids(pad_batch(val.sources[begin:begin + 256][: count - begin])))
        exact = sum(p == list(examples[i][1]) for i, p in enumerate(produced)) / count
        samples = []
        for i in range(n_samples):
            source_tokens, target_tokens = examples[i]
            shown = source_tokens[::-1] if predictor.reverse_source else source_tokens
            samples.append((predictor.detokenize(list(shown)), predictor.detokenize(list(target_tokens)),
                            predictor.detokenize(produced[i])))
        return {"val_exact_match": exact, "samples": samples}


def _throughput(recent) -> float:
    if len(recent) < 2:
        return 0.0
    seconds = recent[-1][0] - recent[0][0]
    return sum(n for _, n in recent[1:]) / seconds if seconds > 0 else 0.0


def _make_optimizer(cfg: TrainConfig, total_steps: int):
    import keras

    clip = {"global_clipnorm": cfg.clip_norm} if cfg.clip_norm > 0 else {}
    learning_rate = cfg.learning_rate
    warmup = min(cfg.warmup_steps, max(total_steps - 1, 0))
    if cfg.lr_schedule == "cosine" or warmup:
        # A constant rate after warm-up is a cosine "decaying" to 100 % of itself.
        alpha = 0.05 if cfg.lr_schedule == "cosine" else 1.0
        if warmup:
            learning_rate = keras.optimizers.schedules.CosineDecay(
                0.0, max(total_steps - warmup, 1), alpha=alpha, warmup_target=cfg.learning_rate, warmup_steps=warmup)
        else:
            learning_rate = keras.optimizers.schedules.CosineDecay(cfg.learning_rate, max(total_steps, 1), alpha=alpha)
    kinds = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop,
             "sgd": keras.optimizers.SGD, "adamw": keras.optimizers.AdamW}
    return kinds[cfg.optimizer](learning_rate=learning_rate, **clip)
