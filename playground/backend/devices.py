"""Devices and distribution for each backend: a :class:`DevicePlan` the trainer runs under.

* TensorFlow: ``OneDeviceStrategy``; ``MirroredStrategy`` over the local GPUs;
  ``MultiWorkerMirroredStrategy`` over hosts described by the standard ``TF_CONFIG``.
* JAX: the default device, or ``keras.distribution.DataParallel`` over all local devices
  (GPUs, or CPUs made with ``XLA_FLAGS=--xla_force_host_platform_device_count=N``).
* PyTorch: one device (CUDA when available).
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field

from playground.config import DEVICES, DISTRIBUTE


class DeviceError(RuntimeError):
    """The requested device or distribution is not available."""


@dataclass
class DevicePlan:
    backend: str  # tensorflow | jax | torch
    description: str  # shown to the user, e.g. "GPU 0: NVIDIA H100 80GB HBM3"
    kind: str  # "cpu" | "gpu"
    replicas: int  # devices (and workers) training in parallel
    strategy: object = None  # a tf.distribute.Strategy (TensorFlow)
    distribution: object = None  # a keras.distribution.Distribution (JAX)
    device: object = None  # what keras.device() runs under: a jax.Device (JAX) or "cuda:0" / "cpu" (PyTorch)
    workers: int = 1  # hosts in a multi-worker run
    extra: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        """Backend and device in one line: "JAX · GPU 0: NVIDIA H100"."""
        return f"{backend_title(self.backend)} · {self.description}"

    @contextlib.contextmanager
    def scope(self):
        """Variables created and computations run inside use the plan's devices."""
        import keras

        with contextlib.ExitStack() as stack:
            if self.strategy is not None:
                stack.enter_context(self.strategy.scope())
            if self.distribution is not None:
                stack.enter_context(self.distribution.scope())
            if self.device is not None:
                stack.enter_context(keras.device(self.device))
            yield


def backend_title(name: str) -> str:
    return {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}.get(name, name)


def plan_device(choice: str = "auto", *, distribute: str | bool = "auto") -> DevicePlan:
    """``auto`` → every local GPU (distributed when several and ``distribute`` allows),
    else the CPU. ``distribute``: auto | none | mirrored | multi-worker."""
    import keras

    if isinstance(distribute, bool):
        distribute = "auto" if distribute else "none"
    if choice not in DEVICES:
        raise DeviceError(f"Unknown device {choice!r}. Valid options: {', '.join(DEVICES)}")
    if distribute not in DISTRIBUTE:
        raise DeviceError(f"Unknown distribution {distribute!r}. Valid options: {', '.join(DISTRIBUTE)}")
    backend = keras.backend.backend()
    planner = {"tensorflow": _tensorflow_plan, "jax": _jax_plan, "torch": _torch_plan}[backend]
    return planner(choice, distribute)


def _no_gpu(backend: str) -> DeviceError:
    hints = {"tensorflow": "install the 'gpu' extra and NVIDIA drivers (Linux), or use another backend",
             "jax": "install a CUDA build of JAX (see README.md)",
             "torch": "install a CUDA build of PyTorch"}
    return DeviceError(f"--device gpu was asked for, but {backend_title(backend)} sees no GPU on this machine "
                       f"({hints[backend]}; or use --device cpu)")


# -- TensorFlow ------------------------------------------------------------------------------

def tensorflow_gpu_names() -> list[str]:
    import tensorflow as tf

    names = []
    for device in tf.config.list_physical_devices("GPU"):
        try:
            names.append(tf.config.experimental.get_device_details(device).get("device_name", device.name))
        except (ValueError, RuntimeError):
            names.append(device.name)
    return names


def _tensorflow_plan(choice: str, distribute: str) -> DevicePlan:
    import tensorflow as tf

    if distribute == "multi-worker":
        return multi_worker_plan()
    gpus = tf.config.list_logical_devices("GPU")
    if choice == "gpu" and not gpus:
        raise _no_gpu("tensorflow")
    if choice == "cpu" or not gpus:
        if distribute == "mirrored":
            cpus = tf.config.list_logical_devices("CPU")
            return mirrored_plan([d.name for d in cpus])
        cpu = tf.config.list_logical_devices("CPU")[0].name
        return DevicePlan("tensorflow", "CPU", "cpu", 1, strategy=tf.distribute.OneDeviceStrategy(cpu))
    names = tensorflow_gpu_names() or [g.name for g in gpus]
    if distribute in ("auto", "mirrored") and len(gpus) > 1:
        strategy = tf.distribute.MirroredStrategy([g.name for g in gpus])
        return DevicePlan("tensorflow", f"{len(gpus)} GPUs ({names[0]}, …) MirroredStrategy", "gpu", len(gpus),
                          strategy=strategy)
    return DevicePlan("tensorflow", f"GPU 0: {names[0]}", "gpu", 1,
                      strategy=tf.distribute.OneDeviceStrategy(gpus[0].name))


def mirrored_plan(devices: list[str]) -> DevicePlan:
    """A MirroredStrategy over explicit devices (e.g. two logical CPUs in tests)."""
    import tensorflow as tf

    strategy = tf.distribute.MirroredStrategy(devices)
    kind = "gpu" if any("GPU" in d.upper() for d in devices) else "cpu"
    return DevicePlan("tensorflow", f"{len(devices)} devices MirroredStrategy", kind, len(devices), strategy=strategy)


def multi_worker_plan() -> DevicePlan:
    """``MultiWorkerMirroredStrategy`` over the hosts in ``TF_CONFIG`` (every worker runs
    the same command; worker 0 is the chief and writes the model)."""
    import tensorflow as tf

    raw = os.environ.get("TF_CONFIG")
    if not raw:
        raise DeviceError('--distribute multi-worker needs TF_CONFIG, e.g. {"cluster": {"worker": '
                          '["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}} '
                          "(README.md, Backends and GPUs)")
    try:
        config = json.loads(raw)
        workers = list(config["cluster"]["worker"])
        index = int(config["task"]["index"])
    except (ValueError, KeyError, TypeError) as exc:
        raise DeviceError(f"TF_CONFIG is not valid: {exc}") from None
    if not workers or not 0 <= index < len(workers):
        raise DeviceError(f"TF_CONFIG: task index {index} is not one of the {len(workers)} workers")
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    gpus = tf.config.list_logical_devices("GPU")
    kind = "gpu" if gpus else "cpu"
    local = f"{len(gpus)} GPU(s)" if gpus else "CPU"
    return DevicePlan("tensorflow", f"worker {index + 1} of {len(workers)} ({local}) MultiWorkerMirroredStrategy",
                      kind, strategy.num_replicas_in_sync, strategy=strategy, workers=len(workers),
                      extra={"worker_index": index})


# -- JAX -----------------------------------------------------------------------------------

def _jax_plan(choice: str, distribute: str) -> DevicePlan:
    import jax
    import keras

    if distribute == "multi-worker":
        raise DeviceError("--distribute multi-worker is TensorFlow's (TF_CONFIG); under JAX, "
                          "--distribute auto uses every local device")
    gpus = [d for d in jax.devices() if d.platform == "gpu"]
    if choice == "gpu" and not gpus:
        raise _no_gpu("jax")
    devices = gpus if gpus and choice != "cpu" else jax.devices("cpu")
    kind = "gpu" if devices[0].platform == "gpu" else "cpu"
    name = getattr(devices[0], "device_kind", "") or str(devices[0])
    if distribute != "none" and len(devices) > 1:
        distribution = keras.distribution.DataParallel(devices=devices)
        what = f"{len(devices)} {'GPUs' if kind == 'gpu' else 'CPU devices'} ({name}) DataParallel"
        return DevicePlan("jax", what, kind, len(devices), distribution=distribution)
    # The device itself, not a "cpu:0" name: device numbers are not per platform in every
    # JAX build (with a GPU present the CPU need not be number 0).
    if kind == "gpu":
        return DevicePlan("jax", f"GPU 0: {name}", "gpu", 1, device=devices[0])
    return DevicePlan("jax", "CPU", "cpu", 1, device=devices[0])


# -- PyTorch -------------------------------------------------------------------------------

def _torch_plan(choice: str, distribute: str) -> DevicePlan:
    import torch

    if distribute in ("mirrored", "multi-worker"):
        raise DeviceError(f"--distribute {distribute} is available under TensorFlow (and local devices under JAX)")
    has_gpu = torch.cuda.is_available()
    if choice == "gpu" and not has_gpu:
        raise _no_gpu("torch")
    if has_gpu and choice != "cpu":
        return DevicePlan("torch", f"GPU 0: {torch.cuda.get_device_name(0)}", "gpu", 1, device="cuda:0")
    return DevicePlan("torch", "CPU", "cpu", 1, device="cpu")


def describe_default_device() -> str:
    """Backend and the device ``auto`` would train on, e.g. "TensorFlow · CPU"."""
    try:
        return plan_device("auto", distribute="none").title
    except DeviceError as exc:
        return str(exc)
