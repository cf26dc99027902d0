"""Ctrl-C anywhere in the command line: one line saying what was kept, exit code 130, no
traceback (a real SIGINT to a real process, at start-up, in training and in evaluation)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

TRAIN = ["train", "digits:reverse", "--units", "32", "--embedding-dim", "16", "--epochs", "2",
         "--task-size", "20000", "--batch-size", "256"]


def _interrupt(out, trigger: str | None, delay: float = 0.0, signal_number=signal.SIGINT):
    """Starts ``playground train``, sends SIGINT ``delay`` s after a stderr line containing
    ``trigger`` (or after start when None) → (return code, stderr)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "playground", *TRAIN, "--out", str(out)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    lines = []
    if trigger is None:
        time.sleep(delay)
    else:
        for line in process.stderr:
            lines.append(line)
            if trigger in line:
                break
        time.sleep(delay)
    process.send_signal(signal_number)
    _, rest = process.communicate(timeout=300)
    return process.returncode, "".join(lines) + rest


def _assert_one_clean_line(code, err, kept_words, signal_number=signal.SIGINT):
    assert code == 128 + signal_number, err[-2000:]
    assert "Traceback" not in err and "Exception ignored" not in err and "ERROR:" not in err, err[-2000:]
    word = "terminated (SIGTERM)" if signal_number == signal.SIGTERM else "interrupted"
    interrupted = [line for line in err.splitlines() if word in line]
    assert len(interrupted) == 1 and kept_words in interrupted[0], err[-2000:]


@pytest.mark.slow
# While Python, then TensorFlow, is being imported; SIGTERM (timeout, docker stop) as Ctrl-C, exit 143.
@pytest.mark.parametrize("delay, signal_number", [(0.5, signal.SIGINT), (1.5, signal.SIGTERM)])
def test_ctrl_c_at_start_up(tmp_path, delay, signal_number):
    code, err = _interrupt(tmp_path / "m.keras", None, delay, signal_number)
    _assert_one_clean_line(code, err, "nothing was written", signal_number)
    assert not (tmp_path / "m.keras").exists()


@pytest.mark.slow
def test_ctrl_c_during_training_keeps_the_last_finished_epoch(tmp_path):
    out = tmp_path / "m.keras"
    code, err = _interrupt(out, "epoch 1/2", 0.5)  # after epoch 1 is written
    _assert_one_clean_line(code, err, f"the last finished epoch (1) is kept in {out}")
    assert out.exists()


@pytest.mark.slow
def test_ctrl_c_during_the_final_evaluation(tmp_path):
    out = tmp_path / "m.keras"
    code, err = _interrupt(out, "done:", 0.0)  # training has ended, the test split is being scored
    _assert_one_clean_line(code, err, str(out))
    assert out.exists()
