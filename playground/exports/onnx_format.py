"""ONNX export: the encoder and decoder-step graphs converted by tf2onnx (opset
:data:`ONNX_OPSET`), their outputs renamed to the names in ``model.json``."""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path

from playground.exports.graphs import build_graphs

ONNX_OPSET = 17  # onnxruntime ≥ 1.12 runs it; every op the graphs use exists there


@contextlib.contextmanager
def _converter():
    """tf2onnx, patched for numpy 2 as Keras's own ONNX export patches it, without its
    reshape optimizer (it merges the Dense layers' reshapes with the attention heads'
    split and feeds the split the wrong shape: a wrong graph, found by the export test)."""
    with warnings.catch_warnings():  # the patch's own probe of np.object warns on every export
        warnings.filterwarnings("ignore", category=FutureWarning, message=".*np.object.*")
        import tf2onnx
        import tf2onnx.optimizer as optimizers

        try:
            from keras.src.export.tf2onnx_lib import patch_tf2onnx

            patch_tf2onnx()
        except ImportError:  # a Keras without the patch: tf2onnx itself may support numpy 2 by then
            pass
        removed = optimizers._optimizers.pop("reshape_optimizer", None)
        try:
            yield tf2onnx
        finally:
            if removed is not None:
                optimizers._optimizers["reshape_optimizer"] = removed


def _rename_outputs(proto, names: list[str]) -> None:
    """Graph outputs come out as ``Identity:0``…, in the sorted order of the function's
    dict keys: give them those keys as names."""
    renames = {output.name: name for output, name in zip(proto.graph.output, names) if output.name != name}
    if not renames:
        return
    for node in proto.graph.node:
        for i, value in enumerate(node.output):
            if value in renames:
                node.output[i] = renames[value]
        for i, value in enumerate(node.input):
            if value in renames:
                node.input[i] = renames[value]
    for output in proto.graph.output:
        output.name = renames.get(output.name, output.name)


def write_onnx(model, folder: Path) -> dict:
    """Writes ``encoder.onnx`` and ``decoder_step.onnx`` into ``folder`` → the layout for
    ``model.json``."""
    graphs = build_graphs(model)
    layout = graphs.layout
    with _converter() as tf2onnx:
        for name, function, signature, outputs in (
                ("encoder", graphs.encoder, graphs.encoder_signature, layout["encoder_outputs"]),
                ("decoder_step", graphs.step, graphs.step_signature, layout["step_outputs"])):
            proto, _ = tf2onnx.convert.from_function(function, input_signature=[signature], opset=ONNX_OPSET)
            _rename_outputs(proto, outputs)
            (folder / f"{name}.onnx").write_bytes(proto.SerializeToString())
    return {**layout, "opset": ONNX_OPSET, "graphs": {"encoder": "encoder.onnx", "decoder_step": "decoder_step.onnx"}}
