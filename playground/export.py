"""Exports for other runtimes: a TensorFlow SavedModel whose ``translate`` signature maps
a batch of strings to a batch of strings (subword models too: SentencePiece runs in the
graph, see :mod:`playground.export_pieces`; they also keep ``translate_ids``).

Normalising, tokenising, vocabulary lookup, greedy decoding and untokenising all run
inside the graph, so ``tf.saved_model.load(path).translate(tf.constant([...]))`` (or TF
Serving) needs no code from this package.
"""

from __future__ import annotations

from pathlib import Path

import tensorflow as tf

from playground.inference import search
from playground.atomic import atomic_replace_dir
from playground.data import text as rules
from playground.data.text import UNICODE_REPLACEMENTS
from playground.data.vocab import END_ID, PAD_ID, UNK_ID, Vocabulary
from playground.limits import MAX_GENERATED_TOKENS
from playground.paths import mark_export
from playground.savedmodel import ExportError

# RE2's \w is ASCII-only; spell the Unicode word class out so "été" stays one word (and
# "सुप्रभात" with its vowel signs, \p{M}: playground.data.text's word pattern).
_GRAPH_WORD = r"([\p{L}\p{N}\p{M}_]+|[^\p{L}\p{N}\p{M}_\s])"


def _graph_normalize(text, lowercase: bool, unicode: bool):
    if unicode:
        for pattern, replacement in UNICODE_REPLACEMENTS:
            text = tf.strings.regex_replace(text, pattern, replacement)
    if lowercase:
        text = tf.strings.lower(text, encoding="utf-8")
    return text


def _graph_tokenize(text, level: str):
    if level == "char":
        return tf.strings.unicode_split(text, "UTF-8")
    return tf.strings.split(tf.strings.strip(tf.strings.regex_replace(text, _GRAPH_WORD, r" \1 ")))


def _graph_detokenize(words, level: str):
    """Ragged [B, T] tokens → [B] text, as :func:`playground.data.text.detokenize`."""
    if level == "char":
        return tf.strings.reduce_join(words, axis=1)
    dense = words.to_tensor("")  # [B, T]
    valid = tf.sequence_mask(words.row_lengths(), tf.shape(dense)[1])
    glued = _graph_glued_left(dense)
    return tf.strings.reduce_join(tf.where(glued | ~valid, dense, tf.strings.join([" ", dense])), axis=1)


def _graph_glued_left(tokens):
    """[B, T] word tokens ("" after the end) → [B, T] bool, as :func:`playground.data.text.glued_left`."""
    edge = tf.fill([tf.shape(tokens)[0], 1], "")
    before = tf.concat([edge, tokens[:, :-1]], 1)
    after = tf.concat([tokens[:, 1:], edge], 1)
    one_of = lambda t, options: tf.reduce_any(tf.equal(t[..., None], tf.constant(list(options))), -1)  # noqa: E731
    number = lambda t: tf.strings.regex_full_match(t, "[0-9]+")  # noqa: E731
    first = tf.equal(tf.cumsum(tf.ones_like(tokens, tf.int32), axis=1), 1)
    quote = tf.equal(tokens, rules.QUOTE)
    quotes_so_far = tf.cumsum(tf.cast(quote, tf.int32), axis=1)
    opening, closing = quote & tf.equal(quotes_so_far % 2, 1), quote & tf.equal(quotes_so_far % 2, 0)
    joiner = (one_of(tokens, rules.JOINERS) & tf.strings.regex_full_match(before, r".*[\p{L}\p{N}\p{M}_]")
              & tf.strings.regex_full_match(after, r"[\p{L}\p{N}\p{M}_].*"))
    joiner |= one_of(tokens, rules.NUMBER_JOINERS) & number(before) & number(after)
    joins_next = opening | joiner
    from_before = tf.concat([tf.zeros_like(edge, tf.bool), joins_next[:, :-1]], 1)
    return first | closing | one_of(tokens, rules.CLOSING) | one_of(before, rules.OPENING) | joiner | from_before


def build_translate_fn(model):
    """→ (a function strings [B] → strings [B] closing over ``model`` and its vocabularies,
    the lookup tables it uses: an export tracks them)."""
    meta = model.meta
    if model.config.is_lm:
        raise ExportError("Only translation models have a 'translate' signature; this is a language model")
    options = meta.get("data_options", {})
    level = options.get("level", "char")
    lowercase = bool(options.get("lowercase", False))
    unicode = bool(options.get("normalize_unicode", True))
    reverse = bool(options.get("reverse_source", False))
    source_vocab = Vocabulary.from_dict(meta["source_vocab"])
    target_vocab = Vocabulary.from_dict(meta["target_vocab"])
    source_table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(tf.constant(source_vocab.tokens), tf.range(len(source_vocab),
                                                                                       dtype=tf.int32)),
        default_value=UNK_ID)
    target_tokens = tf.constant(target_vocab.tokens)
    translate_ids = build_translate_ids_fn(model)

    pieces = None
    if level == "subword":
        from playground.export_pieces import segmenter

        pieces = segmenter(source_vocab.tokenizer.processor, options.get("subword_model", "unigram"))

    def translate(texts):
        texts = _graph_normalize(texts, lowercase, unicode)
        if pieces is None:
            tokens = _graph_tokenize(texts, level)
        else:
            from playground.export_pieces import escape

            tokens = tf.map_fn(pieces.segment, escape(texts),
                               fn_output_signature=tf.RaggedTensorSpec([None], tf.string, ragged_rank=0))
        if reverse:
            tokens = tf.reverse(tokens, axis=[1])
        output_ids = translate_ids(source_table.lookup(tokens).to_tensor(default_value=PAD_ID))["output_ids"]
        keep = output_ids > END_ID  # drops PAD, START, END (UNK stays visible as <unk>)
        words = tf.ragged.boolean_mask(tf.gather(target_tokens, output_ids), keep)
        if pieces is not None:
            from playground.export_pieces import join_pieces

            return {"translation": join_pieces(words)}
        return {"translation": _graph_detokenize(words, level)}

    return translate, [source_table] + ([pieces.scores] if pieces is not None else [])


def build_translate_ids_fn(model):
    """→ a function source ids [B, S] int32 (PAD 0) → output ids [B, L] int32 (END then PAD)."""
    if model.config.is_lm:
        raise ExportError("Only translation models have a 'translate' signature; this is a language model")
    longest_target = max(int(model.config.max_target_length), 1)
    greedy = search.greedy_function(model)

    def translate_ids(ids):
        ids = tf.concat([ids, tf.zeros([tf.shape(ids)[0], 1], tf.int32)], axis=1)  # never zero-length
        max_length = tf.cast(tf.cast(tf.maximum(longest_target, tf.shape(ids)[1]), tf.float32) * 1.5, tf.int32) + 2
        max_length = tf.minimum(max_length, MAX_GENERATED_TOKENS)  # as limits.output_length
        output_ids, _, _ = greedy(ids, tf.shape(ids)[0], max_length, max_length)
        return {"output_ids": output_ids}

    return translate_ids


_SUBWORD_README = """Subword model. Strings in, strings out (SentencePiece runs inside the graph):

    import tensorflow as tf
    model = tf.saved_model.load(".")
    print(model.translate(tf.constant(["Hello!"]))["translation"].numpy()[0].decode())

Or ids in and out, with your own SentencePiece (the same pieces):

    import json, sentencepiece, tensorflow as tf
    tokens = json.load(open("tokens.json"))
    source = sentencepiece.SentencePieceProcessor(model_file="source.spm")
    pieces = source.encode("Hello!", out_type=str)
    ids = [[tokens["source"].index(p) if p in tokens["source"] else 3 for p in pieces]]
    model = tf.saved_model.load(".")
    out = model.translate_ids(tf.constant(ids, tf.int32))["output_ids"][0].numpy()
    words = [tokens["target"][i] for i in out if i > 2]
    print(sentencepiece.SentencePieceProcessor(model_file="target.spm").decode_pieces(words))

Ids 0-3 are <pad>, <s>, </s>, <unk>; a piece missing from tokens.json is <unk> (3);
the output ends at </s> (2).
"""


def _write_subword_files(folder: Path, model) -> None:
    import json

    source_vocab = Vocabulary.from_dict(model.meta["source_vocab"])
    target_vocab = Vocabulary.from_dict(model.meta["target_vocab"])
    (folder / "source.spm").write_bytes(source_vocab.tokenizer.model_bytes)
    (folder / "target.spm").write_bytes(target_vocab.tokenizer.model_bytes)
    (folder / "tokens.json").write_text(json.dumps({"source": source_vocab.tokens, "target": target_vocab.tokens},
                                                   ensure_ascii=False), encoding="utf-8")
    (folder / "README.txt").write_text(_SUBWORD_README, encoding="utf-8")


def export_savedmodel(model, path, *, model_path: str | None = None) -> Path:
    """Writes the SavedModel folder at ``path`` atomically. Whatever is at ``path`` is replaced:
    callers check first that it may be (:func:`playground.paths.check_output`). The folder
    is marked as ours, so a later export may replace it.

    Every translation model gets ``translate`` (strings → strings); subword models also get
    ``translate_ids`` (ids → ids) beside their SentencePiece models, ``source.spm`` and
    ``target.spm``, which no TensorFlow core op runs."""
    import keras

    if model.config.is_lm:
        raise ExportError("Only translation models have a 'translate' signature; this is a language model")
    archive = keras.export.ExportArchive()
    archive.track(model)
    subword = model.meta.get("data_options", {}).get("level") == "subword"
    translate, tables = build_translate_fn(model)
    for table in tables:
        archive.track(table)
    archive.add_endpoint("translate", translate, input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    if subword:  # also ids → ids, for callers with their own SentencePiece
        archive.add_endpoint("translate_ids", build_translate_ids_fn(model),
                             input_signature=[tf.TensorSpec([None, None], tf.int32, name="source_ids")])

    def fill(folder: Path):
        archive.write_out(str(folder), verbose=False)
        if subword:
            _write_subword_files(folder, model)
        mark_export(folder, "savedmodel", model_path)

    return atomic_replace_dir(path, fill)
