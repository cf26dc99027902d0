"""SentencePiece segmentation (unigram and BPE) as TensorFlow graph ops, so that a subword model's
SavedModel maps strings to strings like the others: core TensorFlow (and TF Serving) has
no SentencePiece op.

The same steps as ``sentencepiece`` with the project's settings (``identity`` normalisation,
see :mod:`playground.data.subword`): spaces collapsed and stripped, a "▁" prefix, spaces
written "▁"; then the Viterbi path of piece scores, an unknown character scoring the lowest
piece score minus 10 (``kUnkPenalty``), consecutive unknown characters joined into one piece.
Decoding joins pieces, writes "▁" as a space, drops the first one, and shows <unk> as " ⁇ ".
"""

from __future__ import annotations

import tensorflow as tf

SPACE = "\u2581"
UNK_PENALTY = 10.0
UNK_SURFACE = " \u2047 "


class UnigramSegmenter:
    """``segment(text)`` scalar string → its pieces [P] (strings), as SentencePiece gives them."""

    def __init__(self, processor):
        pieces, scores = [], []
        for i in range(processor.get_piece_size()):
            if not (processor.is_unknown(i) or processor.is_control(i)):
                pieces.append(processor.id_to_piece(i))
                scores.append(processor.get_score(i))
        self.longest = max(len(p) for p in pieces)
        self.unknown_score = min(scores) - UNK_PENALTY
        self.scores = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(tf.constant(pieces), tf.constant(scores, tf.float32)),
            default_value=float("-inf"))

    def segment(self, text):
        """``text`` [] string (already escaped, see :func:`escape`) → pieces [P] string."""
        _, offsets = tf.strings.unicode_decode_with_offsets(text, "UTF-8")
        chars = tf.size(offsets)
        bounds = tf.concat([tf.cast(offsets, tf.int32), [tf.strings.length(text)]], 0)  # byte offset of char i; end
        lengths = tf.range(self.longest, 0, -1)  # longest first: SentencePiece keeps the first best on ties
        minus_inf = tf.constant(float("-inf"))

        def step(end, best, start_of):
            starts = end - lengths
            safe = tf.maximum(starts, 0)
            begin = tf.gather(bounds, safe)
            candidates = tf.strings.substr(tf.fill(tf.shape(lengths), text), begin, bounds[end] - begin)
            score = tf.where(starts >= 0, self.scores.lookup(candidates), minus_inf)
            single_unknown = tf.equal(score[-1], minus_inf)  # the one character is no piece
            score = tf.concat([score[:-1], tf.where(single_unknown, self.unknown_score, score[-1])[None]], 0)
            total = tf.gather(best, safe) + score
            pick = tf.argmax(total, output_type=tf.int32)
            at = [[end]]
            return (end + 1, tf.tensor_scatter_nd_update(best, at, [total[pick]]),
                    tf.tensor_scatter_nd_update(start_of, at, [starts[pick]]))

        best = tf.concat([[0.0], tf.fill([chars], minus_inf)], 0)
        start_of = tf.zeros([chars + 1], tf.int32)
        _, _, start_of = tf.while_loop(lambda end, *_: end <= chars, step, (tf.constant(1), best, start_of))

        def back(end, ends):
            return start_of[end], ends.write(ends.size(), end)

        ends = tf.TensorArray(tf.int32, size=0, dynamic_size=True, element_shape=[])
        _, ends = tf.while_loop(lambda end, _: end > 0, back, (chars, ends))
        piece_ends = tf.reverse(ends.stack(), [0])  # [P] char index where each piece ends
        piece_starts = tf.concat([[0], piece_ends], 0)[:-1]  # [P] (also for P = 0: empty text)
        begin = tf.gather(bounds, piece_starts)
        pieces = tf.strings.substr(tf.fill(tf.shape(piece_ends), text), begin, tf.gather(bounds, piece_ends) - begin)
        return self.join_unknown_runs(pieces)

    def join_unknown_runs(self, pieces):
        """[P] pieces → the same with each run of consecutive unknown characters as one piece."""
        unknown = tf.equal(self.scores.lookup(pieces), float("-inf"))
        starts_piece = tf.logical_not(tf.logical_and(unknown, tf.concat([[False], unknown[:-1]], 0)))
        group = tf.cumsum(tf.cast(starts_piece, tf.int32)) - 1
        return tf.strings.unsorted_segment_join(pieces, group, tf.reduce_sum(tf.cast(starts_piece, tf.int32)))


class BpeSegmenter(UnigramSegmenter):
    """SentencePiece BPE: from characters, merge the adjacent pair that makes the best-scored
    piece (the leftmost on ties) until no pair makes a piece."""

    def segment(self, text):
        symbols = tf.strings.unicode_split(text, "UTF-8")

        def merge(symbols, _):
            pairs = tf.strings.join([symbols[:-1], symbols[1:]])
            score = tf.concat([self.scores.lookup(pairs), [float("-inf")]], 0)  # never empty for argmax
            pick = tf.argmax(score, output_type=tf.int32)
            found = score[pick] > float("-inf")

            def merged():
                return tf.concat([symbols[:pick], pairs[pick:pick + 1], symbols[pick + 2:]], 0)

            return tf.cond(found, merged, lambda: symbols), found

        symbols, _ = tf.while_loop(lambda _, going: going, merge, (symbols, tf.constant(True)),
                                   shape_invariants=(tf.TensorShape([None]), tf.TensorShape([])))
        return self.join_unknown_runs(symbols)


def segmenter(processor, kind: str) -> UnigramSegmenter:
    """The graph segmenter for a SentencePiece model of ``kind`` (unigram | bpe)."""
    return (BpeSegmenter if kind == "bpe" else UnigramSegmenter)(processor)


def escape(texts):
    """[B] strings → SentencePiece's view of them: spaces collapsed and stripped, "▁" first,
    "▁" for each space ("" stays "")."""
    texts = tf.strings.strip(tf.strings.regex_replace(texts, " +", " "))
    escaped = tf.strings.regex_replace(tf.strings.join([" ", texts]), " ", SPACE)
    return tf.where(tf.equal(texts, ""), texts, escaped)


def join_pieces(pieces):
    """Ragged [B, P] pieces (our "<unk>" for unknown ones) → [B] text, as SentencePiece decodes."""
    pieces = tf.ragged.map_flat_values(lambda p: tf.where(tf.equal(p, "<unk>"), UNK_SURFACE, p), pieces)
    text = tf.strings.reduce_join(pieces, axis=1)
    text = tf.strings.regex_replace(text, "^" + SPACE, "")
    return tf.strings.regex_replace(text, SPACE, " ")
