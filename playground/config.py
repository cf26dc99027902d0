"""Configuration objects: one frozen dataclass per concern, saved as JSON.

Presets are derived with ``dataclasses.replace`` and never mutated.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

MODES = ("basic", "feedback", "peek", "attention", "transformer", "lm")
SEQ2SEQ_MODES = ("basic", "feedback", "peek", "attention", "transformer")
RNN_MODES = ("basic", "feedback", "peek", "attention")
# ModelConfig fields that only one kind of architecture uses.
RNN_FIELDS = ("cell", "layers", "units", "embedding_dim", "bidirectional", "attention")
TRANSFORMER_FIELDS = ("d_model", "heads", "ff_dim", "encoder_layers", "decoder_layers", "positions", "max_positions")
CELLS = ("rnn", "gru", "lstm")
# A language model's stack: a recurrent cell, or decoder-only Transformer blocks.
LM_CELLS = CELLS + ("transformer",)
POSITIONS = ("sinusoidal", "learned")
#: Transformer cache length when a config does not say (models built outside the trainer).
DEFAULT_POSITIONS = 256
ATTENTIONS = ("dot", "general", "additive")
OPTIMIZERS = ("adam", "rmsprop", "sgd", "adamw")
LR_SCHEDULES = ("constant", "cosine")
DEVICES = ("auto", "cpu", "gpu")
# auto: every local GPU (MirroredStrategy / DataParallel) when several; multi-worker: TF_CONFIG hosts
DISTRIBUTE = ("auto", "none", "mirrored", "multi-worker")


class ConfigError(ValueError):
    """A configuration value is invalid; the message lists the valid options."""


def _check_choice(field: str, value: Any, options: tuple) -> None:
    if value not in options:
        valid = ", ".join(repr(o) for o in options)
        raise ConfigError(f"Unknown {field} {value!r}. Valid options: {valid}")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_range(field: str, value, low, high) -> None:
    """``value`` in [low, high]; a whole number where the bounds are (2.0 epochs is a mistake)."""
    whole = isinstance(low, int) and isinstance(high, int)
    if not _is_number(value) or (whole and not isinstance(value, int)) or not (low <= value <= high):
        raise ConfigError(f"{field} must be {'a whole number ' if whole else ''}between {low} and {high}, "
                          f"got {value!r}")


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of a sequence-to-sequence model or a language model."""

    mode: str = "attention"  # basic | feedback | peek | attention | transformer | lm (language model)
    cell: str = "lstm"  # recurrent cell: rnn (SimpleRNN) | gru | lstm; a language model may use transformer
    layers: int = 1  # stacked recurrent layers in encoder and decoder (1-4)
    units: int = 128  # hidden units per recurrent layer
    embedding_dim: int = 64  # token embedding size
    bidirectional: bool = False  # bidirectional encoder (states merged by a learned bridge)
    dropout: float = 0.0  # dropout on embeddings and between stacked layers
    attention: str = "general"  # attention score: dot / general (Luong) or additive (Bahdanau)
    source_vocab_size: int = 0  # filled in from the data's vocabulary (0 for lm)
    target_vocab_size: int = 0  # filled in from the data's vocabulary
    max_source_length: int = 0  # longest training source (tokens); basic mode needs it
    max_target_length: int = 0  # longest training target (tokens, without start/end)
    # Transformer (mode "transformer", or a language model with cell "transformer"):
    d_model: int = 128  # width of every block (embeddings, attention, residual stream)
    heads: int = 4  # attention heads; d_model must divide evenly between them
    ff_dim: int = 512  # hidden size of each block's feed-forward layer
    encoder_layers: int = 2  # encoder blocks
    decoder_layers: int = 2  # decoder blocks (the language model's blocks)
    positions: str = "sinusoidal"  # sinusoidal | learned position embeddings
    max_positions: int = 0  # longest sequence the decoder's key/value cache holds (0: from the data)

    def __post_init__(self):
        _check_choice("mode", self.mode, MODES)
        _check_choice("cell", self.cell, LM_CELLS)
        if self.cell == "transformer" and self.mode in RNN_MODES:
            raise ConfigError(f"cell 'transformer' is for language models; for translation use mode 'transformer'. "
                              f"Valid options for mode {self.mode!r}: {', '.join(repr(c) for c in CELLS)}")
        _check_choice("positions", self.positions, POSITIONS)
        _check_range("d_model", self.d_model, 8, 4096)
        _check_range("heads", self.heads, 1, 64)
        _check_range("ff_dim", self.ff_dim, 1, 16384)
        _check_range("encoder_layers", self.encoder_layers, 1, 12)
        _check_range("decoder_layers", self.decoder_layers, 1, 12)
        _check_range("max_positions", self.max_positions, 0, 1 << 16)
        _check_range("max_source_length", self.max_source_length, 0, 1 << 16)  # a model file's claim, bounded
        _check_range("max_target_length", self.max_target_length, 0, 1 << 16)
        if self.is_transformer and isinstance(self.d_model, int) and isinstance(self.heads, int) \
                and self.d_model % self.heads:
            raise ConfigError(f"d_model ({self.d_model}) must be a multiple of heads ({self.heads})")
        _check_choice("attention", self.attention, ATTENTIONS)
        _check_range("layers", self.layers, 1, 4)
        _check_range("units", self.units, 1, 8192)
        _check_range("embedding_dim", self.embedding_dim, 1, 4096)
        _check_range("dropout", self.dropout, 0.0, 0.9)
        if self.mode == "lm" and self.bidirectional:
            raise ConfigError("A language model cannot have a bidirectional encoder")

    @property
    def is_lm(self) -> bool:
        return self.mode == "lm"

    @property
    def is_transformer(self) -> bool:
        """Transformer blocks instead of recurrent layers (seq2seq or language model)."""
        return self.mode == "transformer" or self.cell == "transformer"

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ModelConfig":
        return _from_dict(cls, data)


@dataclass(frozen=True)
class TrainConfig:
    """How to train: optimisation, stopping and device."""

    epochs: int = 10  # passes over the training split
    batch_size: int = 64  # examples per batch
    learning_rate: float = 1e-3  # optimizer step size
    optimizer: str = "adam"  # adam | rmsprop | sgd | adamw
    lr_schedule: str = "cosine"  # constant | cosine (decays to 5% of learning_rate over the planned epochs)
    warmup_steps: int = 0  # batches over which the learning rate rises linearly from 0 (Transformers need it)
    clip_norm: float = 1.0  # global gradient-norm clipping (0 disables)
    label_smoothing: float = 0.0  # cross-entropy label smoothing
    early_stopping: int = 0  # stop after this many epochs without val-loss improvement (0: off)
    seed: int = 0  # weight init, shuffling and dropout seed
    device: str = "auto"  # auto | cpu | gpu
    mixed_precision: bool = False  # float16 compute on GPU (ignored on CPU)
    distribute: str = "auto"  # auto | none | mirrored | multi-worker (see DISTRIBUTE)
    bucket_width: int = 4  # length-bucket width in tokens for batching (0: no bucketing)
    max_batches_per_epoch: int = 0  # cap batches per epoch (0: whole split); for quick demos
    sample_items: int = 3  # validation items whose outputs are reported after each epoch

    def __post_init__(self):
        _check_choice("optimizer", self.optimizer, OPTIMIZERS)
        _check_choice("lr_schedule", self.lr_schedule, LR_SCHEDULES)
        _check_choice("device", self.device, DEVICES)
        _check_choice("distribute", self.distribute, DISTRIBUTE)
        _check_range("epochs", self.epochs, 1, 100000)
        _check_range("batch_size", self.batch_size, 1, 1 << 16)
        if not (_is_number(self.learning_rate) and math.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ConfigError(f"learning_rate must be a positive finite number, got {self.learning_rate!r}")
        if not (_is_number(self.clip_norm) and math.isfinite(self.clip_norm) and self.clip_norm >= 0):
            raise ConfigError(f"clip_norm must be a finite number >= 0, got {self.clip_norm!r}")
        if not (_is_number(self.label_smoothing) and 0 <= self.label_smoothing < 1):
            raise ConfigError(f"label_smoothing must be in [0, 1), got {self.label_smoothing!r}")
        for name in ("early_stopping", "bucket_width", "max_batches_per_epoch", "sample_items", "warmup_steps"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"{name} must be a whole number >= 0, got {value!r}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        data = dict(data)
        if isinstance(data.get("distribute"), bool):  # model files before 0.2 stored a flag
            data["distribute"] = "auto" if data["distribute"] else "none"
        return _from_dict(cls, data)


def _from_dict(cls, data: dict):
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(f"Unknown {cls.__name__} field(s) {unknown}. Valid fields: {sorted(names)}")
    values = dict(data)
    for key, value in values.items():
        if isinstance(value, list):
            values[key] = tuple(value)
    return cls(**values)


# Named presets, after Magenta's default_configs; derive with dataclasses.replace.
PRESETS: dict[str, ModelConfig] = {
    "basic_rnn": ModelConfig(mode="basic", cell="lstm", units=128),
    "feedback_rnn": ModelConfig(mode="feedback", cell="lstm", units=128),
    "peek_rnn": ModelConfig(mode="peek", cell="lstm", units=128),
    "attention_rnn": ModelConfig(mode="attention", cell="lstm", units=128),
    "attention_bigru": ModelConfig(mode="attention", cell="gru", units=128, bidirectional=True),
    "tatoeba_char_lstm": ModelConfig(mode="attention", cell="lstm", units=256, embedding_dim=64),
    "char_lm": ModelConfig(mode="lm", cell="lstm", units=256, layers=2, embedding_dim=64),
    # Sentence-pair files get this (with subword tokens): benchmarks/translation_quality.py.
    "sentences": ModelConfig(mode="transformer", d_model=128, heads=4, ff_dim=512, encoder_layers=3,
                             decoder_layers=3, dropout=0.1),
}


def preset(name: str, **overrides) -> ModelConfig:
    """A named preset with ``overrides`` applied (the preset itself is untouched)."""
    if name not in PRESETS:
        raise ConfigError(f"Unknown preset {name!r}. Valid options: {', '.join(PRESETS)}")
    return dataclasses.replace(PRESETS[name], **overrides)
