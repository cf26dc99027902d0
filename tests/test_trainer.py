"""The trainer: events, stop, pause, determinism, NaN guard, checkpoints and resume."""

import math
import subprocess
import sys
import threading
import textwrap

import numpy as np
import pytest

from playground.training import events as ev
from tests.conftest import train_tiny

pytestmark = pytest.mark.backends


def test_events_in_order_and_metrics(tiny_corpus):
    seen = []
    result = train_tiny(tiny_corpus, "feedback", epochs=2, callback=seen.append)
    kinds = [type(e).__name__ for e in seen]
    assert kinds[0] == "TrainStarted" and kinds[-1] == "TrainFinished"
    epochs = [e for e in seen if isinstance(e, ev.EpochEnd)]
    assert [e.epoch for e in epochs] == [0, 1]
    assert all(0 <= e.val_exact_match <= 1 and 0 <= e.val_token_accuracy <= 1 for e in epochs)
    assert len(epochs[0].samples) == 3 and all(len(s) == 3 for s in epochs[0].samples)
    batches = [e for e in seen if isinstance(e, ev.BatchEnd)]
    assert len(batches) == 2 * seen[0].batches_per_epoch
    assert all(math.isfinite(b.loss) for b in batches)
    # The first batch's time includes compiling: the ETA is not known until the second.
    assert batches[0].eta_seconds == -1 and all(b.eta_seconds >= 0 for b in batches[1:])
    assert batches[-1].eta_seconds < batches[1].eta_seconds
    assert result.status == "done" and result.epochs_completed == 2
    assert len(result.history["epochs"]) == 2


def test_same_seed_same_losses(tiny_corpus):
    runs = []
    for _ in range(2):
        losses = []
        result = train_tiny(tiny_corpus, "attention", epochs=1,
                            callback=lambda e: losses.append(e.loss) if isinstance(e, ev.BatchEnd) else None)
        assert result.status == "done", result.message
        runs.append(losses)
    assert len(runs[0]) > 0
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-6)


def test_stop_takes_effect_within_one_batch(tiny_corpus):
    batches = []

    def callback(event):
        if isinstance(event, ev.BatchEnd):
            batches.append(event)
            if len(batches) == 2:
                raise ev.StopTraining

    result = train_tiny(tiny_corpus, "attention", epochs=3, callback=callback)
    assert result.status == "stopped"
    # The batch after the one whose event asked to stop was already dispatched (figures are
    # read one batch late so the device never waits): it is reported, and nothing after it.
    assert len(batches) == 3
    assert result.model is not None  # a stopped model is usable
    from playground.inference.predictor import Predictor

    assert isinstance(Predictor(result.model).translate(["123"])[0].text, str)


def test_pause_and_resume_from_another_thread(tiny_corpus):
    from playground.config import ModelConfig, TrainConfig
    from playground.training.trainer import Trainer

    seen = []
    trainer = Trainer(tiny_corpus, ModelConfig(mode="feedback", units=8, embedding_dim=4),
                      TrainConfig(epochs=1, batch_size=32, device="cpu"), callback=seen.append)
    paused_at = []

    def callback(event):
        seen.append(event)
        if isinstance(event, ev.BatchEnd) and event.batch == 1:
            trainer.pause()
            paused_at.append(len(seen))
            threading.Timer(0.3, trainer.resume).start()

    trainer.callback = callback
    result = trainer.run()
    pauses = [e for e in seen if isinstance(e, ev.Paused)]
    assert [p.paused for p in pauses] == [True, False]
    # Within one batch: only the batch already dispatched when pause() was called ends before it.
    before_pause = seen[paused_at[0]:seen.index(pauses[0])]
    assert len([e for e in before_pause if isinstance(e, ev.BatchEnd)]) <= 1
    assert result.status == "done"


@pytest.mark.parametrize("order", ["pause, stop", "stop, pause", "stop while paused"])
def test_stop_wins_over_pause_whatever_the_order(tiny_corpus, order):
    """Pause then Stop pressed while a run starts (before the trainer exists, so both are
    applied at once), or a Stop while paused: the run stops, it never waits for a Resume."""
    from playground.config import ModelConfig, TrainConfig
    from playground.training.trainer import Trainer

    trainer = Trainer(tiny_corpus, ModelConfig(mode="feedback", units=8, embedding_dim=4),
                      TrainConfig(epochs=2, batch_size=32, device="cpu"))
    if order == "stop while paused":
        def callback(event):
            if isinstance(event, ev.BatchEnd) and event.batch == 0:
                trainer.pause()
                threading.Timer(0.3, trainer.stop).start()

        trainer.callback = callback
    else:
        for action in order.split(", "):
            getattr(trainer, action)()
    finished = []
    thread = threading.Thread(target=lambda: finished.append(trainer.run()), daemon=True)
    thread.start()
    thread.join(timeout=120)
    assert finished and finished[0].status == "stopped", "the run waited for a Resume"


def test_nan_loss_stops_and_restores_last_good_weights(tiny_corpus):
    from playground.config import ModelConfig, TrainConfig
    from playground.training.trainer import Trainer

    snapshot, batches = {}, []
    trainer = Trainer(tiny_corpus, ModelConfig(mode="attention", units=8, embedding_dim=4),
                      TrainConfig(epochs=3, batch_size=32, device="cpu"))

    def callback(event):
        if isinstance(event, (ev.BatchEnd, ev.BatchFailed)):
            batches.append(event)
        if isinstance(event, ev.EpochEnd) and event.epoch == 0:
            snapshot["weights"] = [w.copy() for w in trainer.model.get_weights()]
        if isinstance(event, ev.BatchEnd) and event.epoch == 1 and event.batch == 2:
            weights = trainer.model.get_weights()
            weights[0] = weights[0] * np.nan  # poison: the next loss is NaN
            trainer.model.set_weights(weights)

    trainer.callback = callback
    result = trainer.run()
    assert result.status == "nan"
    assert "last good" in result.message and "epoch 2" in result.message
    assert "The learning rate 0.001 is likely too high (try 0.0001, ten times lower)" in result.message
    for restored, good in zip(result.model.get_weights(), snapshot["weights"]):
        np.testing.assert_array_equal(restored, good)
    assert result.epochs_completed == 1
    failed = batches[-1]  # the failing batch is told (the app marks it on the loss plot), once, last
    assert isinstance(failed, ev.BatchFailed) and np.isnan(failed.loss) and failed.epoch == 1
    assert failed.step == batches[-2].step + 1 and not any(isinstance(b, ev.BatchFailed) for b in batches[:-1])


def test_checkpoint_each_epoch_and_resume_continues(tiny_corpus, tmp_path):
    from playground.config import ModelConfig, TrainConfig
    from playground.modelfile import load_model
    from playground.training.trainer import Trainer

    checkpoint = tmp_path / "run.keras"
    written = []
    first = Trainer(tiny_corpus, ModelConfig(mode="attention", units=8, embedding_dim=4),
                    TrainConfig(epochs=1, batch_size=32, device="cpu"), checkpoint_path=checkpoint,
                    callback=lambda e: written.append(e.checkpoint) if isinstance(e, ev.EpochEnd) else None)
    first.run()
    assert written == [str(checkpoint)] and checkpoint.exists()
    steps_after_first = int(np.asarray(first.model.optimizer.iterations))
    resumed_model = load_model(checkpoint)
    assert int(np.asarray(resumed_model.optimizer.iterations)) == steps_after_first
    epochs = []
    second = Trainer(tiny_corpus, None, TrainConfig(epochs=2, batch_size=32, device="cpu"),
                     checkpoint_path=checkpoint, resume_model=resumed_model,
                     callback=lambda e: epochs.append(e.epoch) if isinstance(e, ev.EpochEnd) else None)
    result = second.run()
    assert epochs == [1]
    assert result.epochs_completed == 2 and len(result.history["epochs"]) == 2
    assert int(np.asarray(result.model.optimizer.iterations)) == 2 * steps_after_first


def test_early_stopping(tiny_corpus):
    from playground.config import ModelConfig, TrainConfig
    from playground.training.trainer import Trainer

    # A zero-ish learning rate never improves validation loss: stop after 1 + patience epochs.
    trainer = Trainer(tiny_corpus, ModelConfig(mode="feedback", units=8, embedding_dim=4),
                      TrainConfig(epochs=10, batch_size=64, learning_rate=1e-12, early_stopping=1,
                                  device="cpu"))
    result = trainer.run()
    assert result.status == "early_stopped"
    assert result.epochs_completed == 2


def test_language_model_training_on_builtin_text():
    from playground.config import ModelConfig, TrainConfig
    from playground.data.source import DataOptions, load_source
    from playground.inference.predictor import Predictor
    from playground.training.trainer import Trainer

    corpus = load_source("text:sample", DataOptions(max_samples=120))
    result = Trainer(corpus, ModelConfig(mode="lm", units=16, embedding_dim=8),
                     TrainConfig(epochs=1, batch_size=32, device="cpu")).run()
    assert result.status == "done"
    text, unknown = Predictor(result.model).generate("The ", length=20, seed=1)
    assert text.startswith("The ") and len(text) > 4


@pytest.mark.tensorflow_only
def test_mirrored_strategy_on_two_logical_cpus():
    """tf.distribute path, exercised on CPU with two logical devices (a fresh process)."""
    code = textwrap.dedent("""
        import os
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from playground.config import ModelConfig, TrainConfig
        from playground.data.source import DataOptions, load_source
        from playground.backend.devices import mirrored_plan
        from playground.training.trainer import Trainer
        corpus = load_source("digits:copy", DataOptions(task_size=200))
        plan = mirrored_plan(["/cpu:0", "/cpu:1"])
        result = Trainer(corpus, ModelConfig(mode="attention", units=8, embedding_dim=4),
                         TrainConfig(epochs=1, batch_size=32), device_plan=plan).run()
        print("REPLICAS", plan.replicas, result.status, result.message)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert "REPLICAS 2 done" in out.stdout, out.stdout + out.stderr[-3000:]


def test_device_plan_reports_cpu_and_refuses_missing_gpu():
    import keras

    from playground.backend.devices import DeviceError, backend_title, plan_device

    plan = plan_device("cpu")
    assert plan.description == "CPU" and plan.replicas == 1
    assert plan.title == f"{backend_title(keras.backend.backend())} · CPU"  # the backend is always named
    if plan_device("auto").kind == "cpu":  # no GPU on this machine
        with pytest.raises(DeviceError, match="no GPU"):
            plan_device("gpu")


def test_mixed_precision_path_trains_with_loss_scaling(tiny_corpus):
    """The GPU mixed-precision path (float16 compute, loss scaling), run on the CPU."""
    import keras

    from playground.backend.devices import plan_device
    from playground.config import ModelConfig, TrainConfig
    from playground.training.trainer import Trainer

    plan = plan_device("cpu", distribute="none")
    plan.kind = "gpu"  # pretend: mixed precision is only used on a GPU
    result = Trainer(tiny_corpus, ModelConfig(mode="attention", units=8, embedding_dim=4),
                     TrainConfig(epochs=1, batch_size=64, mixed_precision=True), device_plan=plan).run()
    assert result.status == "done", result.message
    assert result.model.compute_dtype == "float16"
    assert isinstance(result.model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert keras.mixed_precision.global_policy().name == "float32"  # not leaked to later models
    logits = result.model((np.array([[5, 6]]), np.array([[1]])))
    assert logits.dtype == "float32"
