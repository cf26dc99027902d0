"""Writing an ONNX or LiteRT export folder (TensorFlow backend, in process): the two
graphs, ``model.json`` and a README, replaced atomically."""

from __future__ import annotations

import json
from pathlib import Path

from playground.atomic import atomic_replace_dir
from playground.exports.readme import readme_text
from playground.paths import mark_export
from playground.portable.manifest import MANIFEST, build_manifest


def export_portable(model, path, export_format: str, *, quantize: str | None = None,
                    model_path: str | None = None) -> Path:
    """Writes the ``export_format`` (onnx | tflite) folder at ``path`` → ``path``."""

    def fill(folder: Path):
        if export_format == "onnx":
            from playground.exports.onnx_format import write_onnx

            layout = write_onnx(model, folder)
        else:
            from playground.exports.tflite_format import write_tflite

            layout = write_tflite(model, folder, quantize)
        manifest = build_manifest(model, export_format, layout)
        (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        (folder / "README.txt").write_text(readme_text(manifest), encoding="utf-8")
        mark_export(folder, export_format, model_path)

    return atomic_replace_dir(path, fill)
