"""Training in a child process: events come back, the model comes back, stop and a crash."""

import multiprocessing

import numpy as np

from playground.training import events as ev
from playground.training.process import TrainingProcess
from playground.training.session import TrainRequest

TINY = {"mode": "attention", "units": 16, "embedding_dim": 8}


def _process(corpus, out, **train):
    """The app's child process for ``corpus`` (digits:reverse, 400 items)."""
    request = TrainRequest(source="digits:reverse", out=str(out), model=TINY,
                           train={"epochs": 2, "batch_size": 32, "learning_rate": 1e-2, "seed": 0, "device": "cpu",
                                  **train})
    return TrainingProcess(request, corpus)


def test_events_and_model_come_back(tiny_corpus, tmp_path):
    process = _process(tiny_corpus, tmp_path / "run.keras")
    process.start()
    seen = list(process.events())
    kinds = [type(e).__name__ for e in seen]
    assert kinds[0] == "TrainStarted" and kinds[-4:] == ["TrainFinished", "Evaluating", "Evaluated", "ModelSaved"]
    assert [e.epoch for e in seen if isinstance(e, ev.EpochEnd)] == [0, 1]
    assert kinds.count("BatchEnd") == 2 * seen[0].batches_per_epoch
    result = process.result()
    assert result.status == "done" and result.epochs_completed == 2
    assert len(result.history["epochs"]) == 2
    assert result.model.config.mode == "attention" and (tmp_path / "run.keras").is_file()
    from playground.inference.predictor import Predictor

    assert Predictor(result.model).translate(["123"])[0].text  # decodes in this process
    assert not process.is_alive() and process.exitcode == 0


def test_stop_returns_the_model_as_it_is(tiny_corpus, tmp_path):
    process = _process(tiny_corpus, tmp_path / "run.keras", epochs=1000, max_batches_per_epoch=2)
    process.start()
    batches = 0
    for event in process.events():
        if isinstance(event, ev.BatchEnd):
            batches += 1
            if batches == 3:
                process.stop()
    result = process.result()
    assert result.status == "stopped", result.message
    assert result.model is not None and batches <= 4  # stop takes effect within one batch
    assert process.join(30)


def test_a_crashed_child_keeps_the_last_checkpoint(tiny_corpus, tmp_path):
    checkpoint = tmp_path / "run.keras"
    process = _process(tiny_corpus, checkpoint, epochs=1000, max_batches_per_epoch=2)
    process.start()
    kept_weights = None
    for event in process.events():
        if isinstance(event, ev.EpochEnd):
            from playground.modelfile import load_model

            kept_weights = load_model(event.checkpoint).get_weights()
            process.kill()  # as if the process had been killed for memory
    result = process.result()
    assert process.needs_finished_event and result.status == "error"
    assert "ended unexpectedly" in result.message and str(checkpoint) in result.message
    assert result.model is not None and result.epochs_completed >= 1
    for kept, loaded in zip(kept_weights, result.model.get_weights()):
        np.testing.assert_allclose(kept, loaded)
    assert not [p for p in multiprocessing.active_children() if p.name == "playground-train"]


def test_bad_settings_are_reported_not_raised(tiny_corpus, tmp_path):
    empty = type(tiny_corpus)(**{**tiny_corpus.__dict__, "train": []})
    process = _process(empty, tmp_path / "run.keras")
    process.start()
    finished = [e for e in process.events() if isinstance(e, ev.TrainFinished)]
    result = process.result()
    assert result.status == "error" and "training split is empty" in result.message
    assert finished and finished[-1].status == "error" and result.model is None


def test_gpu_memory_is_shared_between_app_and_child(monkeypatch):
    import os

    from playground.backend.loading import share_gpu_memory

    monkeypatch.delenv("TF_FORCE_GPU_ALLOW_GROWTH", raising=False)
    monkeypatch.delenv("XLA_PYTHON_CLIENT_PREALLOCATE", raising=False)
    share_gpu_memory()
    assert os.environ["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"
    assert os.environ["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false"  # JAX would take 75 % up front
    monkeypatch.setenv("TF_FORCE_GPU_ALLOW_GROWTH", "false")  # a user's own choice stands
    share_gpu_memory()
    assert os.environ["TF_FORCE_GPU_ALLOW_GROWTH"] == "false"
