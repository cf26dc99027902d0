"""LiteRT (TFLite) export: the encoder and decoder-step graphs, each through a SavedModel
and the TFLite converter (the path Keras's own LiteRT export takes), float32 or quantised."""

from __future__ import annotations

import tempfile
from pathlib import Path

import tensorflow as tf

from playground.exports.graphs import build_graphs


def _convert(model, name: str, function, signature: dict, quantize: str | None) -> bytes:
    import keras

    with tempfile.TemporaryDirectory(prefix="playground-tflite-") as folder:
        archive = keras.export.ExportArchive()
        archive.track(model)
        archive.add_endpoint(name, function, input_signature=[signature])
        archive.write_out(folder, verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(folder, signature_keys=[name])
        if quantize is not None:
            converter.optimizations = [tf.lite.Optimize.DEFAULT]  # weights int8, computed in float
            if quantize == "float16":
                converter.target_spec.supported_types = [tf.float16]
        return converter.convert()


def write_tflite(model, folder: Path, quantize: str | None = None) -> dict:
    """Writes ``encoder.tflite`` and ``decoder_step.tflite`` (signatures of the same names)
    → the layout for ``model.json``. The encoder takes one sequence at a time: the
    converter lowers the recurrent encoders' masked loops only for a fixed batch."""
    graphs = build_graphs(model, encoder_batch=1)
    for name, function, signature in (("encoder", graphs.encoder, graphs.encoder_signature),
                                      ("decoder_step", graphs.step, graphs.step_signature)):
        (folder / f"{name}.tflite").write_bytes(_convert(model, name, function, signature, quantize))
    return {**graphs.layout, "quantize": quantize, "encoder_batch": 1,
            "graphs": {"encoder": "encoder.tflite", "decoder_step": "decoder_step.tflite"}}
