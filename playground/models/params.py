"""Parameter count of a model from its config alone, without building it.

Model files are checked against it before Keras allocates anything: a config that declares
a huge model beside small weights is refused up front. Must mirror the layers that
``Seq2SeqModel`` creates (a test compares it with ``count_params()`` over many configs).
"""

from __future__ import annotations

from playground.config import DEFAULT_POSITIONS, ModelConfig

_GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def _rnn(cell: str, inputs: int, units: int) -> int:
    """Kernel, recurrent kernel and bias of one Keras recurrent layer (GRU: reset_after,
    two biases per gate)."""
    gates = _GATES[cell]
    biases = 2 if cell == "gru" else 1
    return gates * units * (inputs + units) + biases * gates * units


def _dense(inputs: int, units: int, bias: bool = True) -> int:
    return inputs * units + (units if bias else 0)


def _transformer(cfg: ModelConfig) -> int:
    width = cfg.d_model
    norm = 2 * width
    attention = 4 * _dense(width, width)
    feed_forward = _dense(width, cfg.ff_dim) + _dense(cfg.ff_dim, width)
    total = cfg.target_vocab_size * width + norm + _dense(width, cfg.target_vocab_size)
    if cfg.positions == "learned":
        total += (cfg.max_positions or DEFAULT_POSITIONS) * width
    if not cfg.is_lm:
        total += cfg.source_vocab_size * width + norm
        total += cfg.encoder_layers * (2 * norm + attention + feed_forward)
        return total + cfg.decoder_layers * (3 * norm + 2 * attention + feed_forward)
    return total + cfg.decoder_layers * (2 * norm + attention + feed_forward)


def parameter_count(config: ModelConfig) -> int:
    """Trainable and non-trainable weights of ``Seq2SeqModel(config)``."""
    cfg = config
    if cfg.is_transformer:
        return _transformer(cfg)
    units, embedding = cfg.units, cfg.embedding_dim
    total = 0
    if cfg.mode != "lm":
        total += cfg.source_vocab_size * embedding
        directions = 2 if cfg.bidirectional else 1
        for i in range(cfg.layers):
            inputs = embedding if i == 0 else directions * units
            total += directions * _rnn(cfg.cell, inputs, units)
            if cfg.bidirectional and (cfg.mode != "basic" or i == cfg.layers - 1):
                kept = 1 if cfg.mode == "basic" else (2 if cfg.cell == "lstm" else 1)
                total += kept * _dense(2 * units, units)
        if cfg.bidirectional and cfg.mode == "attention":
            total += _dense(2 * units, units, bias=False)
    if cfg.mode != "basic":
        total += cfg.target_vocab_size * embedding
    first_input = {"basic": units, "peek": embedding + units}.get(cfg.mode, embedding)
    for i in range(cfg.layers):
        total += _rnn(cfg.cell, first_input if i == 0 else units, units)
    features = units
    if cfg.mode == "attention":
        total += {"dot": 0, "general": units * units, "additive": 2 * units * units + units}[cfg.attention]
        total += _dense(2 * units, units)
    elif cfg.mode == "peek":
        features = 2 * units
    total += _dense(features, cfg.target_vocab_size)
    return total
