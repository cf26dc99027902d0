"""Checks on a model archive before anything in it is inflated, built or executed.

A model file is a zip made by someone else: it may be a bomb (a member that inflates to
gigabytes, a member listed thousands of times), declare a model far larger than its
weights, carry code (a ``Lambda``, a function from any module) anywhere in its config, or
simply hold malformed JSON. Every such case is one :class:`ModelFileError` naming the
file, found with bounded time and memory. Imports no Keras and no TensorFlow.
"""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path

from playground.paths import special_kind

FORMAT = "seq2seq-playground-model"
FORMAT_VERSION = 1
MODEL_CLASS = "playground>Seq2SeqModel"
ALLOWED_MODULES = ("keras", "playground")
CODE_CLASSES = ("Lambda", "__lambda__", "function", "__function__", "TFOpLambda")

MAX_MEMBERS = 64  # Keras writes 3 (config, metadata, weights)
MAX_CONFIG_BYTES = 64 << 20  # config.json: meta holds the test split and vocabularies
MAX_METADATA_BYTES = 1 << 20
MAX_MEMBER_BYTES = 16 << 30  # weights of the largest configurable model fit well below this
MAX_TOTAL_BYTES = MAX_MEMBER_BYTES + MAX_CONFIG_BYTES
MAX_CONFIG_DEPTH = 64  # nesting of the JSON config (Python's parser recurses)
CONFIG_MEMBERS = {"config.json": MAX_CONFIG_BYTES, "metadata.json": MAX_METADATA_BYTES}
TASKS = ("translate", "lm")
CORPUS_KINDS = ("pairs", "text", "music")
MAX_PRIMERS = 64  # meta.extra.primers of a music model (a corpus stores 16: playground.music.primers)
MAX_PRIMER_NOTES = 4096  # notes per primer (a corpus stores at most 2048)
MAX_PRIMER_BEATS = 1e6  # note start and duration, in beats (a primer holds 8 bars)
PRIMER_SPLITS = ("test", "val", "train")


class ModelFileError(ValueError):
    """A model file cannot be read or written; the message names the file and the reason."""


# -- the zip ------------------------------------------------------------------------------

def _folder_kind(path: Path) -> str:
    """What a folder given as a model is: one of our exports says its format and model."""
    from playground.paths import EXPORT_MARKER

    try:
        marker = json.loads((path / EXPORT_MARKER).read_text(encoding="utf-8"))
        kind = {"onnx": "an ONNX", "tflite": "a LiteRT (TFLite)", "savedmodel": "a SavedModel"}[marker["format"]]
        made_from = f" of {marker['model']}" if marker.get("model") else ""
        return f"{kind} export{made_from} (a folder: its README.txt says how to use it)"
    except (OSError, ValueError, KeyError, TypeError):
        return "a folder"


def check_archive(path: Path) -> zipfile.ZipFile:
    """Opens ``path`` as a zip after checking what it is and its member table → the open
    ``ZipFile`` (the caller closes it). Nothing is inflated."""
    special = special_kind(path)
    if special:
        raise ModelFileError(f"{path}: is {special}, not a model file")
    if path.is_dir():
        raise ModelFileError(f"{path}: is {_folder_kind(path)}; expected a model file (.keras)")
    if not path.exists():
        raise ModelFileError(f"{path}: no such file")
    try:
        size = path.stat().st_size
        if size > MAX_TOTAL_BYTES:
            raise ModelFileError(f"{path}: {size / 2**30:.1f} GiB is larger than any model this app makes")
        with open(path, "rb") as handle:
            magic = handle.read(4)
        if magic != b"PK\x03\x04" or not zipfile.is_zipfile(path):
            raise ModelFileError(f"{path}: not a Seq2Seq Playground model file "
                                 "(not a zip archive; corrupt or truncated?)")
        archive = zipfile.ZipFile(path)
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ModelFileError(f"{path}: corrupt or truncated model file ({exc})") from exc
    try:
        _check_members(path, archive.infolist())
    except BaseException:
        archive.close()
        raise
    return archive


def _check_members(path: Path, members: list) -> None:
    if len(members) > MAX_MEMBERS:
        raise ModelFileError(f"{path}: {len(members)} members in the archive (a model file has 3; "
                             f"at most {MAX_MEMBERS} are read)")
    names = [m.filename for m in members]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ModelFileError(f"{path}: member {duplicates[0]!r} is listed more than once; refused to load")
    missing = {"config.json", "model.weights.h5"} - set(names)
    if missing:
        raise ModelFileError(f"{path}: not a Keras model archive (missing {', '.join(sorted(missing))})")
    total = 0
    for member in members:
        limit = CONFIG_MEMBERS.get(member.filename, MAX_MEMBER_BYTES)
        if member.file_size > limit:
            raise ModelFileError(f"{path}: member {member.filename!r} inflates to {_size(member.file_size)} "
                                 f"(at most {_size(limit)} is read); refused to load")
        total += member.file_size
    if total > MAX_TOTAL_BYTES:
        raise ModelFileError(f"{path}: members inflate to {_size(total)} in all; refused to load")


def _size(n: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            return f"{n / (1 << shift):.1f} {unit}"
    return f"{n} bytes"


def read_json_member(path: Path, archive: zipfile.ZipFile, name: str):
    """A JSON member, read with its size cap (a member that inflates past what its header
    declares is cut there and fails its CRC, never read on)."""
    limit = CONFIG_MEMBERS.get(name, MAX_CONFIG_BYTES)
    try:
        with archive.open(name) as handle:
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise ModelFileError(f"{path}: {name} is larger than {_size(limit)}; refused to load")
        return json.loads(data)
    except ModelFileError:
        raise
    except RecursionError as exc:
        raise ModelFileError(f"{path}: {name} is nested too deeply") from exc
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{path}: corrupt or truncated model file ({name}: {exc})") from exc


# -- the config ---------------------------------------------------------------------------

def scan_for_code(path: Path, node, depth: int = 0) -> None:
    """Refuses any serialized object in the whole config tree (model, compile and build
    configs, meta) that is a Lambda, a function, or a class from outside Keras and this
    project: Keras' ``safe_mode`` alone only guards some load paths."""
    if depth > MAX_CONFIG_DEPTH:
        raise ModelFileError(f"{path}: config.json is nested more than {MAX_CONFIG_DEPTH} levels deep")
    if isinstance(node, dict):
        if "class_name" in node:
            class_name, module = node.get("class_name"), node.get("module")
            registered = node.get("registered_name")
            if class_name in CODE_CLASSES or "lambda" in str(registered).lower():
                raise ModelFileError(f"{path}: holds a Lambda layer or function (arbitrary code); refused to load")
            if module is not None and str(module).split(".")[0] not in ALLOWED_MODULES:
                raise ModelFileError(f"{path}: holds an unknown class {class_name!r} from {module!r}; "
                                     "refused to load")
            if isinstance(registered, str) and ">" in registered and registered.split(">")[0] != "playground":
                raise ModelFileError(f"{path}: holds an unknown registered class {registered!r}; refused to load")
        for value in node.values():
            scan_for_code(path, value, depth + 1)
    elif isinstance(node, list):
        for value in node:
            scan_for_code(path, value, depth + 1)


def _field(path: Path, data: dict, key: str, kinds, what: str, *, required: bool = True):
    if key not in data:
        if required:
            raise ModelFileError(f"{path}: malformed model file ({what} is missing)")
        return None
    value = data[key]
    if not isinstance(value, kinds) or isinstance(value, bool) and bool not in _tuple(kinds):
        names = " or ".join(k.__name__ for k in _tuple(kinds))
        raise ModelFileError(f"{path}: malformed model file ({what} is {type(value).__name__}, expected {names})")
    return value


def _tuple(kinds):
    return kinds if isinstance(kinds, tuple) else (kinds,)


def validate_config(path: Path, config) -> dict:
    """Checks the archive's ``config.json`` tree and every field of the model's meta that
    code reads later → the same dict. Any problem is a ModelFileError naming the field."""
    from playground.config import ConfigError, ModelConfig, TrainConfig
    from playground.data.source import DataOptions
    from playground.data.vocab import Vocabulary

    if not isinstance(config, dict):
        raise ModelFileError(f"{path}: malformed model file (config.json holds a {type(config).__name__}, "
                             "expected an object)")
    registered = config.get("registered_name") or config.get("class_name")
    if registered != MODEL_CLASS:
        raise ModelFileError(f"{path}: a Keras model of another kind ({registered!r}), "
                             "not a Seq2Seq Playground model")
    scan_for_code(path, config)
    inner = _field(path, config, "config", dict, "config")
    meta = _field(path, inner, "meta", dict, "meta")
    if meta.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a Seq2Seq Playground model file (format {meta.get('format')!r})")
    version = meta.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ModelFileError(f"{path}: malformed model file (format_version {version!r} is not a whole number)")
    if version > FORMAT_VERSION:
        raise ModelFileError(f"{path}: made by a newer version of Seq2Seq Playground "
                             f"(format {version}, this version reads {FORMAT_VERSION})")
    if version < 1:
        raise ModelFileError(f"{path}: malformed model file (format_version {version})")
    raw_model_config = _field(path, inner, "model_config", dict, "model_config")
    try:
        model_config = ModelConfig.from_dict(raw_model_config)
        TrainConfig.from_dict(_field(path, meta, "train_config", dict, "meta.train_config"))
        DataOptions.from_dict(_field(path, meta, "data_options", dict, "meta.data_options"))
    except (ConfigError, ValueError, TypeError) as exc:
        raise ModelFileError(f"{path}: malformed model file ({exc})") from exc
    task = meta.get("task")
    if task not in TASKS or (task == "lm") != model_config.is_lm:
        raise ModelFileError(f"{path}: malformed model file (task {task!r} does not fit mode "
                             f"{model_config.mode!r})")
    if meta.get("corpus_kind") not in CORPUS_KINDS:
        raise ModelFileError(f"{path}: malformed model file (corpus_kind {meta.get('corpus_kind')!r}; "
                             f"valid: {', '.join(CORPUS_KINDS)})")
    _check_vocab(path, meta, "target_vocab", model_config.target_vocab_size, Vocabulary)
    if model_config.is_lm:
        if meta.get("source_vocab") is not None:
            raise ModelFileError(f"{path}: malformed model file (a language model with a source vocabulary)")
    else:
        _check_vocab(path, meta, "source_vocab", model_config.source_vocab_size, Vocabulary)
    _check_history(path, meta)
    for key in ("metrics", "extra", "data"):
        _field(path, meta, key, dict, f"meta.{key}", required=False)
    _check_primers(path, meta)
    epochs = _field(path, meta, "epochs_completed", int, "meta.epochs_completed", required=False)
    if epochs is not None and epochs < 0:
        raise ModelFileError(f"{path}: malformed model file (epochs_completed {epochs})")
    _check_examples(path, meta)
    return config


def _check_primers(path: Path, meta: dict) -> None:
    """``meta.extra.primers`` (music models): the primer tunes offered by the Music tab."""
    primers = _field(path, meta.get("extra") or {}, "primers", list, "meta.extra.primers", required=False)
    if primers is None:
        return
    if len(primers) > MAX_PRIMERS:
        raise ModelFileError(f"{path}: malformed model file (meta.extra.primers holds {len(primers)} tunes, "
                             f"at most {MAX_PRIMERS} are read)")
    for i, primer in enumerate(primers):
        what = f"meta.extra.primers[{i}]"
        if not isinstance(primer, dict):
            raise ModelFileError(f"{path}: malformed model file ({what} is {type(primer).__name__}, "
                                 "expected dict)")
        _field(path, primer, "name", str, f"{what}.name")
        if primer.get("split") not in PRIMER_SPLITS:
            raise ModelFileError(f"{path}: malformed model file ({what}.split {primer.get('split')!r}; "
                                 f"valid: {', '.join(PRIMER_SPLITS)})")
        tempo = _field(path, primer, "tempo_bpm", (int, float), f"{what}.tempo_bpm")
        if not 0 < tempo <= 1000:  # NaN and infinity fail too
            raise ModelFileError(f"{path}: malformed model file ({what}.tempo_bpm {tempo!r} is not a tempo)")
        signature = _field(path, primer, "time_signature", list, f"{what}.time_signature")
        if not (len(signature) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in signature)
                and 1 <= signature[0] <= 255 and signature[1] in (1, 2, 4, 8, 16, 32, 64)):
            raise ModelFileError(f"{path}: malformed model file ({what}.time_signature {signature!r} is not "
                                 "[numerator, power-of-two denominator])")
        notes = _field(path, primer, "notes", list, f"{what}.notes")
        if len(notes) > MAX_PRIMER_NOTES:
            raise ModelFileError(f"{path}: malformed model file ({what} holds {len(notes)} notes, at most "
                                 f"{MAX_PRIMER_NOTES} are read)")
        if not all(_is_primer_note(note) for note in notes):
            raise ModelFileError(f"{path}: malformed model file ({what}.notes must be [pitch 0..127, start >= 0, "
                                 f"duration >= 0, velocity 1..127] (beats at most {MAX_PRIMER_BEATS:g}))")


def _is_primer_note(note) -> bool:
    if not (isinstance(note, list) and len(note) == 4 and all(_is_number(v) for v in note)):
        return False
    pitch, start, duration, velocity = note
    return (isinstance(pitch, int) and 0 <= pitch <= 127 and isinstance(velocity, int) and 1 <= velocity <= 127
            and all(0 <= v <= MAX_PRIMER_BEATS for v in (start, duration)))  # NaN fails too


def _check_vocab(path: Path, meta: dict, key: str, size: int, vocabulary_class) -> None:
    try:
        vocab = vocabulary_class.from_dict(meta.get(key))
    except (ValueError, TypeError) as exc:
        raise ModelFileError(f"{path}: malformed model file (meta.{key}: {exc})") from exc
    if len(vocab) != size:
        raise ModelFileError(f"{path}: malformed model file (meta.{key} has {len(vocab)} tokens, the model "
                             f"config declares {size})")


def _check_history(path: Path, meta: dict) -> None:
    history = _field(path, meta, "history", dict, "meta.history", required=False)
    if history is None:
        return
    epochs = _field(path, history, "epochs", list, "meta.history.epochs", required=False) or []
    if not all(isinstance(e, dict) for e in epochs):
        raise ModelFileError(f"{path}: malformed model file (meta.history.epochs must hold objects)")
    for record in epochs:
        for key, value in record.items():
            if key != "samples" and value is not None and not _is_number(value):
                raise ModelFileError(f"{path}: malformed model file (meta.history.epochs: {key} is "
                                     f"{type(value).__name__}, expected a number)")
    losses = _field(path, history, "batch_loss", list, "meta.history.batch_loss", required=False) or []
    if not all(_is_number(v) for v in losses):
        raise ModelFileError(f"{path}: malformed model file (meta.history.batch_loss must hold numbers)")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_examples(path: Path, meta: dict) -> None:
    examples = _field(path, meta, "test_examples", list, "meta.test_examples", required=False) or []
    for item in examples:
        if not (isinstance(item, list) and len(item) == 2 and all(isinstance(side, list) for side in item)
                and all(isinstance(t, str) for side in item for t in side)):
            raise ModelFileError(f"{path}: malformed model file (meta.test_examples must be pairs of token lists)")
    mistakes = _field(path, meta, "test_mistakes", list, "meta.test_mistakes", required=False) or []
    if not all(isinstance(m, list) and len(m) == 3 and all(isinstance(s, str) for s in m) for m in mistakes):
        raise ModelFileError(f"{path}: malformed model file (meta.test_mistakes must be [input, expected, "
                             "produced] strings)")
    pairs = _field(path, meta, "test_pairs", list, "meta.test_pairs", required=False) or []
    if not all(isinstance(p, list) and len(p) == 2 and all(isinstance(s, str) for s in p) for p in pairs):
        raise ModelFileError(f"{path}: malformed model file (meta.test_pairs must be pairs of strings)")


# -- the weights ------------------------------------------------------------------------

def check_weights(path: Path, archive: zipfile.ZipFile, model_config) -> None:
    """The weights file must hold exactly the parameters the config declares, checked from
    its member size and the HDF5 dataset shapes before Keras builds anything (a config
    declaring a 2-billion-parameter model beside 3 MB of weights is refused here)."""
    import h5py

    from playground.models.params import parameter_count

    expected = parameter_count(model_config)
    member = archive.getinfo("model.weights.h5")
    if member.file_size < 2 * expected:  # float16 at the very least
        raise ModelFileError(f"{path}: the config declares {expected:,} parameters but the weights take only "
                             f"{_size(member.file_size)}; refused to load")
    try:
        with archive.open("model.weights.h5") as handle, h5py.File(handle, "r") as weights:
            found = _model_parameters(path, weights)
    except ModelFileError:
        raise
    except (OSError, ValueError, KeyError, RuntimeError, zipfile.BadZipFile) as exc:
        raise ModelFileError(f"{path}: the weights are corrupt ({exc})") from exc
    if found != expected:
        raise ModelFileError(f"{path}: the weights hold {found:,} parameters, the config declares {expected:,}; "
                             "refused to load")


def _model_parameters(path: Path, weights) -> int:
    """Elements of every dataset outside the optimizer's group."""
    import h5py

    total = 0
    count = 0

    def visit(name, item):
        nonlocal total, count
        count += 1
        if count > 100_000:
            raise ModelFileError(f"{path}: the weights file holds more than 100,000 objects")
        if isinstance(item, h5py.Dataset) and not name.startswith("optimizer/"):
            total += int(math.prod(item.shape or ()))

    weights.visititems(visit)
    return total
