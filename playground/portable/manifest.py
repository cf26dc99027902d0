"""``model.json``: what a runtime needs beside the two graphs (vocabularies, text options,
length limits, decoding settings, the graphs' input and output names)."""

from __future__ import annotations

import json
from pathlib import Path

from playground.limits import DEFAULT_LENGTH_PENALTY

MANIFEST = "model.json"
MANIFEST_VERSION = 1


class ExportFolderError(ValueError):
    """An export folder cannot be used; the message names the file and the field."""


def build_manifest(model, export_format: str, layout: dict) -> dict:
    """The manifest of ``model`` exported as ``export_format`` with the graphs' ``layout``."""
    cfg, meta = model.config, model.meta
    options = meta.get("data_options", {})
    extra = meta.get("extra", {}) or {}
    music = None
    if meta.get("corpus_kind") == "music":
        music = {"encoding": extra.get("encoding", "melody"), "steps_per_beat": int(extra.get("steps_per_beat", 4)),
                 "pitch_range": list(extra.get("pitch_range", [0, 127])),
                 "time_signature": list(extra.get("time_signature", (4, 4))),
                 "tempo_bpm": float(extra.get("tempo_bpm", 120.0))}
    return {
        "made_by": "seq2seq-playground", "manifest_version": MANIFEST_VERSION, "format": export_format,
        "task": "generate" if cfg.is_lm else "translate", "mode": cfg.mode, "cell": cfg.cell,
        "transformer": cfg.is_transformer,
        "text": {"level": options.get("level", "char"), "lowercase": bool(options.get("lowercase", False)),
                 "normalize_unicode": bool(options.get("normalize_unicode", True)),
                 "reverse_source": bool(options.get("reverse_source", False))},
        "source_vocab": meta.get("source_vocab"), "target_vocab": meta["target_vocab"],
        "max_source_length": int(cfg.max_source_length), "max_target_length": int(cfg.max_target_length),
        "decoding": {"length_penalty": DEFAULT_LENGTH_PENALTY},
        "music": music,
        **layout,
    }


_REQUIRED = {"format": str, "task": str, "mode": str, "text": dict, "target_vocab": dict, "max_source_length": int,
             "max_target_length": int, "decoding": dict, "graphs": dict, "encoder_inputs": list,
             "encoder_outputs": list, "step_inputs": list, "step_outputs": list, "states": list}


def read_manifest(folder: str | Path) -> dict:
    """The checked manifest of the export in ``folder``; ExportFolderError naming the file
    and field otherwise."""
    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExportFolderError(f"{folder}: no {MANIFEST}; is this a Seq2Seq Playground ONNX or LiteRT export?") \
            from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExportFolderError(f"{path}: unreadable ({exc})") from None
    if not isinstance(manifest, dict):
        raise ExportFolderError(f"{path}: not a JSON object")
    if manifest.get("manifest_version") != MANIFEST_VERSION:
        raise ExportFolderError(f"{path}: manifest_version {manifest.get('manifest_version')!r}; this version "
                                f"reads {MANIFEST_VERSION}")
    for field, kind in _REQUIRED.items():
        if not isinstance(manifest.get(field), kind):
            raise ExportFolderError(f"{path}: field {field!r} is missing or not a {kind.__name__}")
    if manifest["format"] not in ("onnx", "tflite"):
        raise ExportFolderError(f"{path}: field 'format' is {manifest['format']!r}; expected onnx or tflite")
    if manifest["task"] == "translate" and not isinstance(manifest.get("source_vocab"), dict):
        raise ExportFolderError(f"{path}: field 'source_vocab' is missing for a translation model")
    for name in ("encoder", "decoder_step"):
        file = manifest["graphs"].get(name)
        if not isinstance(file, str) or Path(file).name != file or not (Path(folder) / file).is_file():
            raise ExportFolderError(f"{path}: graphs.{name} names no file in {folder}")
    return manifest
