"""Subword level: SentencePiece pieces learned from the training split only, stored inside the
vocabulary (so inside the model file), used identically at training, translation, evaluation
and export time."""

import json
import random
import subprocess
import sys
import textwrap
import zipfile

import pytest

from playground.data.source import DataOptions, load_source
from playground.data.subword import SubwordTokenizer
from playground.data.vocab import Vocabulary

ENGLISH = "one two three four five six seven eight nine ten".split()
FRENCH = "un deux trois quatre cinq six sept huit neuf dix".split()


@pytest.fixture(scope="module")
def pairs_file(tmp_path_factory):
    """600 counting pairs; 40 of them also carry a CJK character of their own, so characters
    that occur only in the validation or test split exist."""
    rng = random.Random(0)
    lines = []
    for i in range(600):
        words = [rng.randrange(10) for _ in range(rng.randint(1, 4))]
        mark = chr(0x4E00 + i) if i % 15 == 0 else ""
        lines.append(f"{' '.join(ENGLISH[w] for w in words)} {mark}\t{' '.join(FRENCH[w] for w in words)}.")
    path = tmp_path_factory.mktemp("subword") / "counting.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def corpus(pairs_file):
    return load_source(pairs_file, DataOptions(level="subword", subword_vocab=100))


def test_pieces_join_back_to_the_text():
    tokenizer = SubwordTokenizer.train(["L'été est là, n'est-ce pas ?", "Il fait beau."] * 20, vocab_size=40)
    for text in ("L'été est là, n'est-ce pas ?", "Il fait beau."):
        assert tokenizer.join(tokenizer.split(text)) == text
    vocab = Vocabulary.from_tokenizer(tokenizer)
    ids, unknown = vocab.encode_with_unknowns(vocab.split("Zürich 😀 est beau"))
    assert "😀" in "".join(unknown), "unseen characters are reported, not dropped"
    assert vocab.join(vocab.decode(ids)).count("<unk>") == len(unknown)


def test_pieces_are_learned_from_the_training_split_only(corpus):
    train_chars = {c for s, _ in corpus.train for piece in s for c in piece}
    vocab_chars = {c for piece in corpus.source_vocab.tokens[4:] for c in piece}
    assert vocab_chars <= train_chars
    test_marks = {c for s, _ in corpus.raw_test for c in s if ord(c) >= 0x4E00}
    assert test_marks and not test_marks & vocab_chars, "test-only characters must not be pieces"
    assert corpus.source_vocab.level == corpus.target_vocab.level == "subword"
    assert len(corpus.target_vocab) <= 100 + 4


def test_subword_vocabulary_round_trips_and_refuses_tampering(corpus):
    data = json.loads(json.dumps(corpus.target_vocab.to_dict()))
    assert Vocabulary.from_dict(data) == corpus.target_vocab
    tampered = dict(data, tokens=data["tokens"][:-1] + ["zzz"])
    with pytest.raises(ValueError, match="do not match"):
        Vocabulary.from_dict(tampered)
    with pytest.raises(ValueError, match="base64|SentencePiece"):
        Vocabulary.from_dict(dict(data, sentencepiece="bm90IGEgbW9kZWw="))
    with pytest.raises(ValueError, match="sentencepiece"):
        Vocabulary.from_dict({k: v for k, v in data.items() if k != "sentencepiece"})


def test_subword_level_rejects_bad_options():
    with pytest.raises(ValueError, match="subword_vocab"):
        DataOptions(level="subword", subword_vocab=3)
    with pytest.raises(ValueError, match="subword_model"):
        DataOptions(level="subword", subword_model="wordpiece")


@pytest.fixture(scope="module")
def subword_transformer(corpus):
    from conftest import train_tiny

    result = train_tiny(corpus, "transformer", epochs=3, d_model=32, heads=2, ff_dim=64, encoder_layers=1,
                        decoder_layers=1)
    assert result.status == "done", result.message
    return result.model


@pytest.mark.backends
def test_subword_model_file_holds_its_pieces_and_translates_the_same(subword_transformer, pairs_file, tmp_path):
    from playground.inference.evaluate import evaluate
    from playground.inference.predictor import Predictor
    from playground.modelfile import load_model, save_model

    path = save_model(subword_transformer, tmp_path / "subword.keras")
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json", "model.weights.h5"], "no side files"
    loaded = load_model(path)
    predictor = Predictor(loaded)
    texts = ["three one four", "ten ten", "seven 丁"]
    before = [t.text for t in Predictor(subword_transformer).translate(texts)]
    after = predictor.translate(texts)
    assert [t.text for t in after] == before
    assert after[2].unknown, "a character the model never saw is reported"
    # Evaluating on a file splits it with the model's own pieces, not newly learned ones.
    fresh = load_source(pairs_file, DataOptions(level="subword", subword_vocab=100, val_split=0.0, test_split=0.0),
                        vocabularies=(predictor.source_vocab, predictor.target_vocab))
    assert fresh.target_vocab == predictor.target_vocab
    metrics = evaluate(predictor, fresh.train[:50])
    assert 0 <= metrics["chrf"] <= 100 and metrics["n"] == 50


# TensorFlow only: the export under another backend (a TF child process) is test_export's.
def test_subword_transformer_savedmodel_translates_like_the_predictor(subword_transformer, tmp_path):
    from playground.inference.predictor import Predictor
    from playground.savedmodel import export_savedmodel

    folder = export_savedmodel(subword_transformer, tmp_path / "exported")
    texts = ["three one four", "ten", "nine eight seven six"]
    expected = [t.text for t in Predictor(subword_transformer).translate(texts)]
    # Strings in, strings out, as for the other levels: SentencePiece runs inside the graph. Then
    # ids in and out with the exported pieces (translate_ids), for callers with their own SentencePiece.
    texts.append("seven 丁")  # a character the model never saw
    expected.append(Predictor(subword_transformer).translate(texts[-1:])[0].text)
    blanks = ["", "ten", "   "]  # one empty line must not fail a whole batch (a TF Serving request)
    expected_blanks = [t.text for t in Predictor(subword_transformer).translate(blanks)]
    code = textwrap.dedent(f"""
        import json, sys
        import tensorflow as tf
        loaded = tf.saved_model.load(".")  # kept: its variables die with it
        strings = [t.decode("utf-8") for t in loaded.translate(tf.constant({texts!r}))["translation"].numpy()]
        blanks = [t.decode("utf-8") for t in loaded.translate(tf.constant({blanks!r}))["translation"].numpy()]
        assert not any(name.startswith(("playground", "sentencepiece")) for name in sys.modules)
        import sentencepiece
        tokens = json.load(open("tokens.json"))
        source = sentencepiece.SentencePieceProcessor(model_file="source.spm")
        target = sentencepiece.SentencePieceProcessor(model_file="target.spm")
        lookup = {{p: i for i, p in enumerate(tokens["source"])}}
        rows = [[lookup.get(p, 3) for p in source.encode(t, out_type=str)] for t in {texts[:-1]!r}]
        width = max(map(len, rows))
        ids = tf.constant([r + [0] * (width - len(r)) for r in rows], tf.int32)
        out = loaded.translate_ids(ids)["output_ids"].numpy()
        texts = []
        for row in out:
            row = list(row)
            row = row[:row.index(2)] if 2 in row else row
            texts.append(target.decode_pieces([tokens["target"][i] for i in row if i > 3]))
        assert not any(name.startswith("playground") for name in sys.modules)
        print(json.dumps([strings, texts, blanks]))
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                            cwd=folder, env={"PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "2",
                                             "PYTHONNOUSERSITE": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    strings, by_ids, blanks = json.loads(result.stdout.strip().splitlines()[-1])
    assert strings == expected and by_ids == expected[:-1]
    assert blanks == expected_blanks  # as the Predictor: the empty source decodes like any other
    assert (folder / "README.txt").read_text().count("sentencepiece") >= 2


@pytest.mark.parametrize("kind", ["unigram", "bpe"])
def test_graph_segmentation_equals_sentencepiece(kind):
    """The SavedModel's in-graph pieces are SentencePiece's, unknown characters and odd spacing too."""
    import tensorflow as tf

    from playground.export_pieces import escape, segmenter

    rng = random.Random(4)
    words = ["the", "cat", "sat", "on", "a", "mat", "there", "then", "cats", "mats", "at", "hat", "that"]
    train = [" ".join(rng.choice(words) for _ in range(rng.randint(2, 7))) for _ in range(400)]
    tokenizer = SubwordTokenizer.train(train, 60, kind)
    pieces = segmenter(tokenizer.processor, kind)
    segment = tf.function(pieces.segment)
    texts = train[:40] + ["thematic hats", "  the   cat  ", "ça: 丁丁x the", "x", "zzz qq", "t", "", "   "]
    for text in texts:
        got = [p.decode() for p in segment(escape(tf.constant([text]))[0]).numpy()]
        assert got == tokenizer.split(text), text
