"""The two exported graphs behind one call: ``graph(feeds: dict) → dict`` of numpy arrays,
run by onnxruntime or the LiteRT interpreter (``ai-edge-litert``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


class RuntimeMissing(ImportError):
    """The runtime for this export is not installed; the message says what to install."""


class OnnxGraph:
    """One ONNX graph in an onnxruntime session (CPU; CUDA when onnxruntime-gpu offers it)."""

    def __init__(self, path: Path, threads: int = 0):
        try:
            import onnxruntime
        except ImportError:
            raise RuntimeMissing("running an ONNX export needs onnxruntime: pip install onnxruntime") from None
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        providers = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider")
                     if p in onnxruntime.get_available_providers()]
        self.session = onnxruntime.InferenceSession(str(path), options, providers=providers)
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.outputs = [o.name for o in self.session.get_outputs()]
        self.batch = None  # any batch size

    def __call__(self, feeds: dict) -> dict:
        values = self.session.run(self.outputs, {name: feeds[name] for name in self.inputs})
        return dict(zip(self.outputs, values))


class LiteRTGraph:
    """One ``.tflite`` graph, run through its signature (named inputs and outputs)."""

    def __init__(self, path: Path, signature: str, threads: int | None = None):
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:
            raise RuntimeMissing("running a LiteRT export needs the LiteRT interpreter: "
                                 "pip install ai-edge-litert") from None
        self.interpreter = Interpreter(model_path=str(path), num_threads=threads)
        self.runner = self.interpreter.get_signature_runner(signature)
        details = self.runner.get_input_details()
        self.inputs = list(details)
        first = details.get("source") or details[self.inputs[0]]
        signature_shape = first.get("shape_signature", [-1])
        self.batch = int(signature_shape[0]) if len(signature_shape) and signature_shape[0] > 0 else None

    def __call__(self, feeds: dict) -> dict:
        outputs = self.runner(**{name: feeds[name] for name in self.inputs})
        return {name: np.array(value) for name, value in outputs.items()}  # copies: the next call reuses buffers


def open_graphs(folder: Path, manifest: dict):
    """→ (encoder graph, decoder-step graph) of the export in ``folder``."""
    files = manifest["graphs"]
    if manifest["format"] == "onnx":
        return OnnxGraph(folder / files["encoder"]), OnnxGraph(folder / files["decoder_step"])
    return (LiteRTGraph(folder / files["encoder"], "encoder"),
            LiteRTGraph(folder / files["decoder_step"], "decoder_step"))
