"""Device choice and tf.distribute strategy: GPU when there is one, CPU otherwise."""

from __future__ import annotations

from dataclasses import dataclass

import tensorflow as tf

from playground.config import DEVICES


class DeviceError(RuntimeError):
    """The requested device is not available."""


@dataclass
class DevicePlan:
    strategy: tf.distribute.Strategy
    description: str  # shown to the user, e.g. "GPU 0 (NVIDIA H100) ×2 (MirroredStrategy)"
    kind: str  # "cpu" | "gpu"
    replicas: int


def gpu_names() -> list[str]:
    """Names of the visible GPUs (empty on a CPU-only machine)."""
    names = []
    for device in tf.config.list_physical_devices("GPU"):
        try:
            details = tf.config.experimental.get_device_details(device)
            names.append(details.get("device_name", device.name))
        except (ValueError, RuntimeError):
            names.append(device.name)
    return names


def plan_device(choice: str = "auto", *, distribute: bool = True) -> DevicePlan:
    """``auto`` → every GPU (MirroredStrategy when several), else the CPU."""
    if choice not in DEVICES:
        raise DeviceError(f"Unknown device {choice!r}. Valid options: {', '.join(DEVICES)}")
    gpus = tf.config.list_logical_devices("GPU")
    if choice == "gpu" and not gpus:
        raise DeviceError("--device gpu was asked for, but TensorFlow sees no GPU on this machine "
                          "(install the 'gpu' extra and NVIDIA drivers, or use --device cpu)")
    if choice == "cpu" or not gpus:
        cpu = tf.config.list_logical_devices("CPU")[0].name
        return DevicePlan(tf.distribute.OneDeviceStrategy(cpu), "CPU", "cpu", 1)
    names = gpu_names() or [g.name for g in gpus]
    if distribute and len(gpus) > 1:
        strategy = tf.distribute.MirroredStrategy([g.name for g in gpus])
        return DevicePlan(strategy, f"{len(gpus)} GPUs ({names[0]}, …) MirroredStrategy", "gpu", len(gpus))
    return DevicePlan(tf.distribute.OneDeviceStrategy(gpus[0].name), f"GPU 0: {names[0]}", "gpu", 1)


def mirrored_plan(devices: list[str]) -> DevicePlan:
    """A MirroredStrategy over explicit devices (e.g. two logical CPUs in tests)."""
    strategy = tf.distribute.MirroredStrategy(devices)
    return DevicePlan(strategy, f"{len(devices)} devices MirroredStrategy", "cpu", len(devices))
