"""Training beyond one device, on this CPU: JAX DataParallel over two host devices, and two
TensorFlow workers (MultiWorkerMirroredStrategy over loopback, configured by TF_CONFIG)."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _env(**extra):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("TF_CONFIG", None)
    return {**env, **extra}


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed (pip install -e '.[jax]')")
def test_jax_data_parallel_over_two_devices(tmp_path):
    code = textwrap.dedent("""
        import json
        from playground.backend.loading import load_backend
        load_backend("jax")
        import jax
        from playground.config import ModelConfig, TrainConfig
        from playground.data.source import DataOptions, load_source
        from playground.inference.predictor import Predictor
        from playground.training import events as ev
        from playground.training.trainer import Trainer
        corpus = load_source("digits:reverse", DataOptions(task_size=400))
        started = []
        result = Trainer(corpus, ModelConfig(mode="attention", units=16, embedding_dim=8),
                         TrainConfig(epochs=3, batch_size=32, learning_rate=1e-2),
                         callback=lambda e: started.append(e) if isinstance(e, ev.TrainStarted) else None).run()
        weight = result.model.trainable_variables[0].value
        print(json.dumps({"devices": len(jax.devices()), "replicas": started[0].replicas, "device": started[0].device,
                          "status": result.status, "losses": [e["train_loss"] for e in result.history["epochs"]],
                          "sharded_on": len(weight.sharding.device_set),
                          "translation": Predictor(result.model).translate(["123"])[0].text}))
    """)
    env = _env(KERAS_BACKEND="jax", XLA_FLAGS="--xla_force_host_platform_device_count=2", JAX_PLATFORMS="cpu")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["devices"] == 2 and report["replicas"] == 2
    assert "DataParallel" in report["device"] and report["device"].startswith("JAX")
    assert report["sharded_on"] == 2  # weights replicated on both devices
    assert report["status"] == "done"
    assert report["losses"][-1] < report["losses"][0]
    assert isinstance(report["translation"], str)


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.mark.tensorflow_only
def test_two_tensorflow_workers_train_one_model(tmp_path):
    """Two processes, one MultiWorkerMirroredStrategy: the run trains the same model on both
    (equal weights at the end), the loss falls, and each worker writes a loadable file."""
    ports = _free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    workers = []
    for index in range(2):
        config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        command = [sys.executable, "-m", "playground", "--backend", "tensorflow", "train", "digits:copy",
                   "--task-size", "300", "--epochs", "2", "--batch-size", "32", "--units", "16",
                   "--embedding-dim", "8", "--distribute", "multi-worker", "--json",
                   "--out", str(tmp_path / f"worker{index}.keras")]
        workers.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        env=_env(TF_CONFIG=config), cwd=tmp_path))
    outputs = []
    try:
        for worker in workers:
            stdout, stderr = worker.communicate(timeout=600)
            outputs.append((worker.returncode, stdout, stderr))
    finally:
        for worker in workers:
            worker.kill()
    for code, stdout, stderr in outputs:
        assert code == 0, stderr[-3000:]
    from playground.modelfile import load_model

    import numpy as np

    models = [load_model(tmp_path / f"worker{i}.keras") for i in range(2)]
    for a, b in zip(models[0].get_weights(), models[1].get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    meta = models[0].meta
    assert "MultiWorkerMirroredStrategy" in meta["device"] and "worker 1 of 2" in meta["device"]
    losses = [e["train_loss"] for e in meta["history"]["epochs"]]
    assert len(losses) == 2 and losses[1] < losses[0]
