"""TensorBoard logs of a run (issue #11 §3), read back with TensorBoard's own event reader."""

from __future__ import annotations

import pytest

pytest.importorskip("tensorboard")

pytestmark = pytest.mark.backends


def test_run_scalars_and_hyperparameters_read_back_equal_the_history(tiny_corpus, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from playground.training import events as ev
    from playground.training.session import TrainRequest, train

    seen = []
    request = TrainRequest("digits:reverse", str(tmp_path / "m.keras"), model={"mode": "attention", "units": 8,
                                                                               "embedding_dim": 4},
                           train={"epochs": 2, "batch_size": 64, "learning_rate": 0.01, "warmup_steps": 3,
                                  "device": "cpu"}, tensorboard=str(tmp_path / "tb"))
    result = train(request, seen.append, corpus=tiny_corpus)
    assert result.status == "done", result.message
    logs = EventAccumulator(str(tmp_path / "tb"), size_guidance={"scalars": 0, "tensors": 0})
    logs.Reload()
    batches = [e for e in seen if isinstance(e, ev.BatchEnd)]
    logged = logs.Scalars("batch/loss")
    assert [s.step for s in logged] == [b.step for b in batches]
    assert [s.value for s in logged] == pytest.approx([b.loss for b in batches], rel=1e-6)
    history = result.history["epochs"]
    for tag, key in (("epoch/train_loss", "train_loss"), ("epoch/val_loss", "val_loss"),
                     ("epoch/val_token_accuracy", "val_token_accuracy"), ("epoch/val_exact_match", "val_exact_match"),
                     ("epoch/learning_rate", "learning_rate")):
        assert [s.value for s in logs.Scalars(tag)] == pytest.approx([h[key] for h in history], rel=1e-5), tag
        assert [s.step for s in logs.Scalars(tag)] == [1, 2]
    rates = [h["learning_rate"] for h in history]
    assert 0 < rates[1] < rates[0] <= 0.01  # warm-up then cosine decay, as trained
    assert logs.Scalars("test/exact_match")[0].value == pytest.approx(result.metrics["exact_match"], rel=1e-6)
    # The hyper-parameters, as TensorBoard's HParams plugin reads them.
    from tensorboard.plugins.hparams import metadata

    content = logs.PluginTagToContent(metadata.PLUGIN_NAME)[metadata.SESSION_START_INFO_TAG]
    hparams = metadata.parse_session_start_info_plugin_data(content).hparams
    assert hparams["model.mode"].string_value == "attention" and hparams["train.batch_size"].number_value == 64
    assert hparams["train.learning_rate"].number_value == pytest.approx(0.01)


def test_an_unwritable_log_folder_is_one_clear_error(tmp_path):
    from playground.training.tensorboard_log import TensorBoardError, TensorBoardLog

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(TensorBoardError, match="cannot write the TensorBoard log"):
        TensorBoardLog(blocker / "tb", {})
