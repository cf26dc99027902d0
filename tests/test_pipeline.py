"""tf.data pipeline: length bucketing wastes little on padding; counts are exact; masks."""

import numpy as np

from playground.data.vocab import END_ID, START_ID
from playground.data.batching import EncodedSplit, batches_per_epoch, pad_batch
from playground.backend.tf_data import make_dataset


def _split(seed=0, n=500):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 40, n)
    sources = [rng.integers(4, 20, size=k).astype(np.int32) for k in lengths]
    targets = [rng.integers(4, 20, size=k).astype(np.int32) for k in lengths]
    return EncodedSplit(sources, targets)


def test_batches_are_framed_and_padded_with_zero():
    split = EncodedSplit([np.array([5, 6, 7], np.int32)], [np.array([8, 9], np.int32)])
    (source, target_in, target_out), = list(make_dataset(split, 4, shuffle=False))
    np.testing.assert_array_equal(source.numpy(), [[5, 6, 7]])
    np.testing.assert_array_equal(target_in.numpy(), [[START_ID, 8, 9]])
    np.testing.assert_array_equal(target_out.numpy(), [[8, 9, END_ID]])


def test_bucketing_reduces_padding_and_count_is_exact():
    split = _split()
    bucketed = list(make_dataset(split, 32, bucket_width=4, seed=1))
    plain = list(make_dataset(split, 32, bucket_width=0, seed=1))
    assert len(bucketed) == batches_per_epoch(split, 32, 4)
    assert len(plain) == batches_per_epoch(split, 32, 0)

    def padding_share(batches):
        cells = sum(int(np.prod(b[0].shape)) for b in batches)
        real = sum(int((b[0].numpy() != 0).sum()) for b in batches)
        return 1 - real / cells

    assert padding_share(bucketed) < 0.15 < padding_share(plain)
    assert sum(b[0].shape[0] for b in bucketed) == len(split)  # every example once


def test_pad_batch():
    out = pad_batch([np.array([1, 2, 3]), np.array([4])])
    np.testing.assert_array_equal(out, [[1, 2, 3], [4, 0, 0]])
    assert pad_batch([np.array([], np.int32)]).shape == (1, 1)


def test_every_example_served_once_with_its_own_target():
    split = _split(seed=3, n=300)
    served = []
    for source, target_in, target_out in make_dataset(split, 16, bucket_width=4, seed=7):
        for s, t_in, t_out in zip(source.numpy(), target_in.numpy(), target_out.numpy()):
            target = t_out[: list(t_out).index(END_ID)]
            np.testing.assert_array_equal(t_in[: len(target) + 1], [START_ID, *target])
            assert not t_in[len(target) + 1:].any() and not t_out[len(target) + 1:].any()
            served.append((tuple(s[s != 0]), tuple(target)))
    expected = [(tuple(s), tuple(t)) for s, t in zip(split.sources, split.targets)]
    assert sorted(served) == sorted(expected)


def test_shuffle_is_seeded():
    split = _split(seed=4, n=200)

    def first_column(seed):
        return [tuple(b[0].numpy()[:, 0]) for b in make_dataset(split, 16, seed=seed)]

    assert first_column(1) == first_column(1)
    assert first_column(1) != first_column(2)

    def unshuffled(seed):
        return [tuple(b[0].numpy()[:, 0]) for b in make_dataset(split, 16, shuffle=False, seed=seed)]

    assert unshuffled(1) == unshuffled(2)  # the seed only matters when shuffling


def test_filled_batches_are_full_cover_every_example_once_and_pad_to_few_shapes():
    """JAX's batches: a bucket's remainder joins the next bucket, so all batches but the last
    are full; padded to the full batch size and widths in multiples of 8, shapes stay few."""
    from playground.data.batching import epoch_batches, iterate_batches, pad_to_shape

    split = _split(n=1000)
    batches = epoch_batches(split, 64, bucket_width=4, seed=3, fill=True)
    sizes = sorted(len(b) for b in batches)
    assert sizes[1:] == [64] * (len(batches) - 1) and len(batches) == batches_per_epoch(split, 64, 4, fill=True)
    assert sorted(np.concatenate(batches).tolist()) == list(range(1000))
    shapes = set()
    for batch in iterate_batches(split, 64, bucket_width=4, seed=3, fill=True):
        padded = pad_to_shape(batch, 64, 8)
        shapes.add(tuple(a.shape for a in padded))
        assert (padded[2] != 0).sum() == (batch[2] != 0).sum()  # padding adds no tokens to the loss
    assert all(s[0][0] == 64 and s[0][1] % 8 == 0 for s in shapes)
    assert len(shapes) <= 12  # unpadded, nearly every batch would have a shape of its own
