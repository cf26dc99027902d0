"""Exported models beside the app's own decoder (issue #11): file sizes, greedy decode time
per sentence, and exact match of every export format and quantisation (SavedModel's
in-graph greedy ``translate``; ONNX and LiteRT through ``playground.portable``).

    python benchmarks/export_formats.py                        # trains digits:reverse and dates:iso (attention)
    python benchmarks/export_formats.py --models a.keras b.keras

For each model: the app's compiled greedy decoder (``Predictor.translate``) and the ONNX,
LiteRT float32, LiteRT int8-weight ("dynamic") and LiteRT float16 exports run through
``playground.portable`` (numpy loop over the encoder and step graphs). Timed in this process
on the model's test split: ms per sentence at batch 1 (``--timed`` sentences, after a
warm-up) and batched (the whole split in batches of 128). Exact match is against the
references; "same" counts outputs identical to the app's. Ratios are against the app's
decoder in the same run: compare ratios, not absolute times, on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

VARIANTS = [("onnx", None), ("tflite", None), ("tflite", "dynamic"), ("tflite", "float16")]


def folder_bytes(folder: Path, suffix: str) -> int:
    return sum(f.stat().st_size for f in folder.glob(f"*.{suffix}"))


def per_sentence_ms(translate, texts) -> float:
    translate(texts[:1])  # warm-up (traces / allocates)
    start = time.perf_counter()
    for text in texts:
        translate([text])
    return 1000 * (time.perf_counter() - start) / len(texts)


def batched_ms(translate, texts, batch=128) -> tuple[float, list[str]]:
    start = time.perf_counter()
    outputs = []
    for i in range(0, len(texts), batch):
        outputs += translate(texts[i:i + batch])
    return 1000 * (time.perf_counter() - start) / len(texts), outputs


def train_default(task: str, folder: Path) -> Path:
    from playground import cli

    out = folder / f"{task.replace(':', '_')}.keras"
    if cli.main(["train", task, "--mode", "attention", "--out", str(out), "--json"]) != 0:
        raise SystemExit(f"training {task} failed")
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", nargs="+", help="model files (default: train digits:reverse and dates:iso)")
    parser.add_argument("--timed", type=int, default=200, help="sentences timed one by one")
    parser.add_argument("--work-dir", default=None)
    args = parser.parse_args()

    from playground.data.source import DataOptions, load_source
    from playground.inference.predictor import Predictor
    from playground.modelfile import load_model
    from playground.portable import ExportedModel
    from playground.savedmodel import export_model

    work = Path(args.work_dir or tempfile.mkdtemp(prefix="playground-exports-"))
    work.mkdir(parents=True, exist_ok=True)
    models = [Path(m) for m in args.models] if args.models else [train_default(t, work)
                                                                  for t in ("digits:reverse", "dates:iso")]
    for path in models:
        model = load_model(path, compile=False)
        meta = model.meta
        corpus = load_source(meta["source"], DataOptions.from_dict(meta["data_options"]))
        texts = [source for source, _ in corpus.raw_test]
        references = [target for _, target in corpus.raw_test]
        keras_bytes = path.stat().st_size
        print(f"\n{path.name}: {meta['source']}, mode {model.config.mode}, {len(texts)} test items; "
              f"model file {keras_bytes / 1e6:.2f} MB", flush=True)
        predictor = Predictor(model)

        def app(batch):
            return [t.text for t in predictor.translate(batch)]

        baseline = {}

        def row(name, translate, size_bytes):
            """Times ``translate`` (texts → texts) and prints its line against the app's."""
            one = per_sentence_ms(translate, texts[: args.timed])
            batched, out = batched_ms(translate, texts)
            exact = sum(o == r for o, r in zip(out, references)) / len(texts)
            if not baseline:
                baseline.update(one=one, batched=batched, exact=exact, out=out)
            same = sum(o == a for o, a in zip(out, baseline["out"])) / len(texts)
            print(f"  {name:<22} {size_bytes / 1e6:8.2f} {one:11.2f} {one / baseline['one']:6.2f} {batched:13.3f} "
                  f"{batched / baseline['batched']:6.2f} {exact:7.4f} {exact - baseline['exact']:+8.4f} {same:6.3f}",
                  flush=True)

        print(f"  {'decoder':<22} {'size MB':>8} {'ms/sent b1':>11} {'ratio':>6} {'ms/sent b128':>13} {'ratio':>6} "
              f"{'exact':>7} {'Δ exact':>8} {'same':>6}")
        row("app (compiled)", app, keras_bytes)
        if model.meta.get("data_options", {}).get("level") != "subword":  # strings in, strings out
            import tensorflow as tf

            folder = work / f"{path.stem}-savedmodel"
            export_model(model, folder, "savedmodel")
            loaded = tf.saved_model.load(str(folder))
            row("savedmodel", lambda batch: [t.decode() for t in loaded.translate(tf.constant(batch))["translation"]
                                             .numpy()], sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()))
        for export_format, quantize in VARIANTS:
            folder = work / f"{path.stem}-{export_format}-{quantize or 'float32'}"
            export_model(model, folder, export_format, quantize=quantize)
            exported = ExportedModel(folder)
            row(f"{export_format} {quantize or 'float32'}", lambda batch: [t.text for t in exported.translate(batch)],
                folder_bytes(folder, export_format))

if __name__ == "__main__":
    main()
