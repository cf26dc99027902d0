"""Tests for playground.data.source: DataOptions, Corpus and load_source."""

import dataclasses
import json
from pathlib import Path

import pytest

from playground.data import BUILTIN_TASKS, Corpus, DataError, DataOptions, load_source
from playground.data.source import split_by_key
from playground.data.vocab import Vocabulary

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
ENG_FRA = SHARED_DATA / "tatoeba" / "tatoeba-eng-fra.txt"


def write(tmp_path: Path, content: bytes | str, name: str) -> Path:
    """Write raw bytes (or UTF-8 text) to a file in tmp_path."""
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def all_examples(corpus: Corpus):
    return corpus.train + corpus.val + corpus.test


# --- DataOptions ---------------------------------------------------------


def test_options_defaults_and_json_round_trip():
    options = DataOptions(level="word", max_length=20, columns=(1, 0), sample="random", seed=5)
    restored = DataOptions.from_dict(json.loads(json.dumps(options.to_dict())))
    assert restored == options and restored.columns == (1, 0)
    assert DataOptions.from_dict({}) == DataOptions()
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.level = "char"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"level": "byte"}, "char, word"),
        ({"sample": "best"}, "first, random"),
        ({"val_split": 1.0}, r"\[0, 1\)"),
        ({"test_split": -0.1}, r"\[0, 1\)"),
        ({"val_split": 0.5, "test_split": 0.5}, r"val_split \(0.5\) \+ test_split \(0.5\) must be under 1"),
        ({"max_length": 0}, "max_length"),
        ({"max_samples": -3}, "max_samples"),
        ({"task_size": 1.5}, "task_size"),
        ({"columns": (0, 0)}, "columns"),
        ({"columns": (0, 1, 2)}, "columns"),
        ({"lowercase": "yes"}, "lowercase"),
        ({"text_window": 2}, "text_window"),
        ({"seed": "zero"}, "seed"),
    ],
)
def test_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataOptions(**kwargs)


def test_from_dict_unknown_key_lists_valid_options():
    with pytest.raises(ValueError, match="unknown data option.*valid options: level"):
        DataOptions.from_dict({"levl": "char"})


# --- built-in tasks ------------------------------------------------------


def test_task_corpus_shapes_and_vocab():
    corpus = load_source("digits:reverse", DataOptions(task_size=1000))
    assert corpus.name == "digits:reverse" and corpus.kind == "pairs"
    assert (len(corpus.train), len(corpus.val), len(corpus.test)) == (800, 100, 100)
    assert corpus.source_vocab.tokens[4:] and set(corpus.source_vocab.tokens[4:]) == set("0123456789")
    for source, target in all_examples(corpus):
        assert target == source[::-1]
    assert [("".join(s), "".join(t)) for s, t in corpus.test] == corpus.raw_test


def test_same_options_same_splits_and_seed_changes_them():
    options = DataOptions(task_size=500, seed=3)
    first, second = load_source("digits:sort", options), load_source("digits:sort", options)
    assert (first.train, first.val, first.test) == (second.train, second.val, second.test)
    assert first.source_vocab == second.source_vocab and first.target_vocab == second.target_vocab
    other = load_source("digits:sort", DataOptions(task_size=500, seed=4))
    assert other.test != first.test


def test_held_out_sources_never_in_train():
    corpus = load_source("numbers:words", DataOptions(task_size=2000))
    train_sources = {tuple(s) for s, _ in corpus.train}
    assert not train_sources & {tuple(s) for s, _ in corpus.val + corpus.test}


def test_reverse_source():
    plain = load_source("digits:copy", DataOptions(task_size=200))
    reversed_ = load_source("digits:copy", DataOptions(task_size=200, reverse_source=True))
    assert [s[::-1] for s, _ in plain.train] == [s for s, _ in reversed_.train]
    assert plain.raw_test == reversed_.raw_test  # raw strings are never reversed


def test_columns_swap_task_direction():
    corpus = load_source("numbers:words", DataOptions(task_size=100, columns=(1, 0)))
    assert all(any(c.isalpha() for c in s) for s, _ in corpus.train)
    with pytest.raises(ValueError, match=r"\(0, 1\) or \(1, 0\)"):
        load_source("digits:copy", DataOptions(columns=(0, 2)))


def test_max_length_drops_and_counts():
    corpus = load_source("digits:copy", DataOptions(task_size=1000, max_length=5))
    assert corpus.dropped_too_long > 0
    assert len(all_examples(corpus)) + corpus.dropped_too_long == 1000
    assert all(len(s) <= 5 for s, _ in all_examples(corpus))


@pytest.mark.parametrize("sample", ["first", "random"])
def test_max_samples(sample):
    corpus = load_source("digits:copy", DataOptions(task_size=1000, max_samples=100, sample=sample))
    assert len(all_examples(corpus)) == 100
    again = load_source("digits:copy", DataOptions(task_size=1000, max_samples=100, sample=sample))
    assert again.train == corpus.train


def test_describe_is_json_and_complete():
    corpus = load_source("dates:iso", DataOptions(task_size=300, seed=2))
    description = json.loads(json.dumps(corpus.describe()))
    assert description["name"] == "dates:iso" and description["kind"] == "pairs"
    assert description["counts"] == {"train": 240, "val": 30, "test": 30}
    assert description["split_seed"] == 2 and description["options"]["seed"] == 2
    assert description["vocab_sizes"]["target"] == len(corpus.target_vocab)
    target_stats = description["length_stats"]["target"]
    assert target_stats == {"min": 10, "mean": 10.0, "max": 10, "p95": 10.0}
    assert set(description["length_stats"]["source"]) == {"min", "mean", "max", "p95"}


# --- files ---------------------------------------------------------------


def test_pairs_file_normalised_and_deduplicated_across_splits(tmp_path):
    lines = [f"Sentence {i}.\tPhrase {i}\u202f!" for i in range(50)]
    lines += [f"Sentence {i}.\tAutre phrase {i}\u2019s." for i in range(50)]  # second translation of each
    lines.insert(10, "broken line without tab")
    path = write(tmp_path, "\n".join(lines) + "\n", "pairs.txt")
    corpus = load_source(str(path), DataOptions(val_split=0.2, test_split=0.2))
    assert corpus.kind == "pairs" and len(all_examples(corpus)) == 100
    assert [(s.line, s.reason) for s in corpus.skipped] == [(11, "no tab separator")]
    train_sources = {"".join(s) for s, _ in corpus.train}
    held_out = {"".join(s) for s, _ in corpus.val + corpus.test}
    assert held_out and not train_sources & held_out
    assert all("\u202f" not in "".join(t) and "\u2019" not in "".join(t) for _, t in all_examples(corpus))
    assert corpus.describe()["skipped"] == [{"line": 11, "reason": "no tab separator", "text": "broken line without tab"}]


def test_vocabularies_come_from_train_only(tmp_path):
    lines = [f"ab{i}\tcd{i}" for i in range(200)] + ["xyz\tqrs"]
    path = write(tmp_path, "\n".join(lines), "pairs.tsv")
    for seed in range(50):  # find a seed that holds the odd pair out of training
        corpus = load_source(str(path), DataOptions(seed=seed))
        train_chars = {c for s, _ in corpus.train for c in s}
        assert set(corpus.source_vocab.tokens[4:]) == train_chars
        if any("".join(s) == "xyz" for s, _ in corpus.val + corpus.test):
            assert "x" not in corpus.source_vocab and "q" not in corpus.target_vocab
            assert corpus.source_vocab.encode_with_unknowns(list("xyz"))[1] == ["x", "y", "z"]
            break
    else:
        pytest.fail("the odd pair was never held out")


def test_csv_and_word_level_lowercase(tmp_path):
    path = write(tmp_path, 'english,french\n"Hello, Tom!","Bonjour, Tom !"\n' + "Yes.,Oui.\n" * 1, "data.csv")
    corpus = load_source(str(path), DataOptions(level="word", lowercase=True, val_split=0, test_split=0))
    assert corpus.train == [(["hello", ",", "tom", "!"], ["bonjour", ",", "tom", "!"]), (["yes", "."], ["oui", "."])]
    assert corpus.source_vocab.level == "word"


def test_parallel_files(tmp_path):
    src = write(tmp_path, "".join(f"line {i}\n" for i in range(20)), "a.en")
    tgt = write(tmp_path, "".join(f"ligne {i}\n" for i in range(20)), "a.fr")
    corpus = load_source(f"{src}::{tgt}")
    assert corpus.kind == "pairs" and len(all_examples(corpus)) == 20
    short = write(tmp_path, "only one\n", "b.fr")
    with pytest.raises(DataError, match="20 lines"):
        load_source(f"{src}::{short}")
    with pytest.raises(DataError, match="SOURCE_FILE::TARGET_FILE"):
        load_source(f"{src}::")


def test_plain_text_file_auto_detected(tmp_path):
    path = write(tmp_path, "The first line.\nThe second line.\nA third one.\n" * 5, "story.txt")
    corpus = load_source(str(path))
    assert corpus.kind == "text" and corpus.source_vocab is None
    assert all(source == [] for source, _ in all_examples(corpus))
    assert corpus.describe()["length_stats"]["source"] is None
    # identical lines never straddle train and held-out splits
    train_items = {"".join(t) for _, t in corpus.train}
    assert not train_items & {"".join(t) for _, t in corpus.val + corpus.test}


def test_forced_kinds(tmp_path):
    pairs_path = write(tmp_path, "".join(f"s{i}\tt{i}\n" for i in range(30)), "pairs.txt")
    assert load_source(str(pairs_path), kind="text").kind == "text"
    text_path = write(tmp_path, "no tabs here\nnone at all\n", "plain.txt")
    with pytest.raises(DataError, match="no usable examples.*no tab separator"):
        load_source(str(text_path), kind="pairs")
    with pytest.raises(DataError, match="digits:copy holds sentence pairs .* needs plain text or music"):
        load_source("digits:copy", kind="text")
    with pytest.raises(ValueError, match="pairs, text"):
        load_source("digits:copy", kind="music")


def test_builtin_text_sample():
    corpus = load_source("text:sample", DataOptions(level="word"))
    assert corpus.name == "text:sample" and corpus.kind == "text"
    assert corpus.source_vocab is None and len(corpus.target_vocab) > 100
    assert all(raw_source == "" for raw_source, _ in corpus.raw_test)


def test_unknown_sources(tmp_path):
    with pytest.raises(DataError, match="digits:copy.*text:sample"):
        load_source("digits:multiply")
    missing = tmp_path / "nope.tsv"
    with pytest.raises(DataError, match="nope.tsv: no such file"):
        load_source(str(missing))


def test_midi_hook(tmp_path):
    with pytest.raises(DataError, match="playground.music"):
        load_source(str(write(tmp_path, b"MThd", "tune.mid")))
    with pytest.raises(DataError, match="playground.music"):
        load_source(str(tmp_path))


def test_split_by_key_groups_and_counts():
    keys = [f"k{i // 2}" for i in range(100)]  # 50 groups of two
    train, val, test = split_by_key(keys, 0.1, 0.2, seed=0)
    assert sorted(train + val + test) == list(range(100))
    assert len(test) == 20 and len(val) == 10
    groups = lambda idx: {keys[i] for i in idx}  # noqa: E731
    assert not groups(train) & groups(val) and not groups(train) & groups(test) and not groups(val) & groups(test)
    assert split_by_key(keys, 0.1, 0.2, seed=0) == (train, val, test)


def test_too_few_examples(tmp_path):
    with pytest.raises(DataError, match="too few"):
        load_source(str(write(tmp_path, "a\tb\n", "one.txt")))


@pytest.mark.shared_data
def test_tatoeba_eng_fra_corpus():
    if not ENG_FRA.exists():
        pytest.skip(f"shared data not found at {ENG_FRA} (only present in CI / the dev checkout)")
    corpus = load_source(str(ENG_FRA))
    total = len(all_examples(corpus))
    assert total == 142_787 and corpus.skipped == []
    assert 0.09 < len(corpus.test) / total < 0.11 and 0.09 < len(corpus.val) / total < 0.11
    assert "\u202f" not in corpus.target_vocab and "\u2019" not in corpus.target_vocab
    assert all("\u202f" not in target for _, target in corpus.raw_test)
    train_sources = {tuple(s) for s, _ in corpus.train}
    assert not train_sources & {tuple(s) for s, _ in corpus.test}
    assert isinstance(corpus.source_vocab, Vocabulary) and len(corpus.source_vocab) < 200
    description = json.loads(json.dumps(corpus.describe()))
    assert description["length_stats"]["source"]["max"] > 200  # the long sentences at the end


def test_every_builtin_task_loads():
    for name in BUILTIN_TASKS:
        corpus = load_source(name, DataOptions(task_size=50))
        assert len(all_examples(corpus)) == 50


def test_too_few_distinct_inputs_says_so(tmp_path):
    path = write(tmp_path, "".join(f"same\tt{i}\n" for i in range(30)), "same.txt")
    with pytest.raises(DataError, match="30 examples but only 1 distinct inputs; training, validation and test need at least 3"):
        load_source(str(path))
