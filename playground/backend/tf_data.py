"""tf.data input pipeline over the numpy batches of :mod:`playground.data.batching`
(TensorFlow only: a ``tf.distribute`` strategy shards a ``tf.data.Dataset``)."""

from __future__ import annotations

import tensorflow as tf

from playground.data.batching import EncodedSplit, iterate_batches


def make_dataset(split: EncodedSplit, batch_size: int, *, bucket_width: int = 4,
                 shuffle: bool = True, seed: int = 0) -> tf.data.Dataset:
    """→ dataset of (source [B, S], target_in [B, T], target_out [B, T]) int32 batches.

    ``target_in`` = START + target; ``target_out`` = target + END; padding is 0.
    Batching and padding happen in numpy, whole batches at a time: a per-example Python
    generator cost more than the model's own training step on a 2-core CPU and held the GIL
    against the UI thread.
    """
    def generate():
        yield from iterate_batches(split, batch_size, bucket_width=bucket_width, shuffle=shuffle, seed=seed)

    spec = tf.TensorSpec([None, None], tf.int32)
    dataset = tf.data.Dataset.from_generator(generate, output_signature=(spec, spec, spec))
    options = tf.data.Options()
    # Several workers: each takes its share of every batch (a generator has no files to split).
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options).prefetch(2)
