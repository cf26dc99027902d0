import dataclasses

import pytest

from playground.config import PRESETS, ConfigError, ModelConfig, TrainConfig, preset


@pytest.mark.parametrize("field,value,listed", [
    ("mode", "fancy", "'basic', 'feedback', 'peek', 'attention'"),
    ("cell", "transformer", "'rnn', 'gru', 'lstm'"),
    ("attention", "cosine", "'dot', 'general', 'additive'"),
])
def test_invalid_choice_lists_valid_options(field, value, listed):
    with pytest.raises(ConfigError) as info:
        ModelConfig(**{field: value})
    assert listed in str(info.value)
    assert repr(value) in str(info.value)


@pytest.mark.parametrize("kwargs", [{"layers": 0}, {"layers": 5}, {"dropout": 0.95}, {"units": 0}])
def test_out_of_range_values_rejected(kwargs):
    with pytest.raises(ConfigError):
        ModelConfig(**kwargs)


def test_lm_cannot_be_bidirectional():
    with pytest.raises(ConfigError, match="bidirectional"):
        ModelConfig(mode="lm", bidirectional=True)


def test_train_config_validation():
    with pytest.raises(ConfigError, match="'adam'"):
        TrainConfig(optimizer="adagrad2")
    with pytest.raises(ConfigError, match="'auto', 'cpu', 'gpu'"):
        TrainConfig(device="tpu")
    with pytest.raises(ConfigError):
        TrainConfig(learning_rate=0)
    with pytest.raises(ConfigError, match="epochs must be a whole number between 1 and 100000, got 2.0"):
        TrainConfig(epochs=2.0)  # failed deep in training, naming no field
    with pytest.raises(ConfigError, match="units must be a whole number"):
        ModelConfig(units=16.0)
    assert ModelConfig(dropout=0.5).dropout == 0.5  # a real-valued range stays real


def test_round_trip_and_unknown_fields():
    config = ModelConfig(mode="peek", cell="gru", layers=2, bidirectional=True)
    assert ModelConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ConfigError, match="Unknown ModelConfig field"):
        ModelConfig.from_dict({**config.to_dict(), "colour": "red"})
    train = TrainConfig(epochs=3, optimizer="rmsprop")
    assert TrainConfig.from_dict(train.to_dict()) == train


def test_presets_are_derived_not_mutated():
    before = dict(PRESETS)
    derived = preset("attention_rnn", units=7)
    assert derived.units == 7 and PRESETS["attention_rnn"].units == 128
    assert PRESETS == before
    with pytest.raises(dataclasses.FrozenInstanceError):
        PRESETS["attention_rnn"].units = 1  # type: ignore[misc]
    with pytest.raises(ConfigError, match="Valid options"):
        preset("nope")
