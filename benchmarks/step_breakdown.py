"""Where one training step's time goes, under JAX, per way of running the LSTMs (issue #9:
batch 64 on a GPU is 15 % over its goal; this says which part to shorten).

    KERAS_BACKEND=jax python benchmarks/step_breakdown.py                       # on a GPU
    KERAS_BACKEND=jax python benchmarks/step_breakdown.py --kernels scan projected --repeats 20

Same model and data as ``gpu_check.py`` (attention, LSTM 256, embedding 64, the project's
optimizer settings; eng-fra char pairs), one batch of the commonest padded shape at
``--batch-size``. Each part is its own jitted function, timed as the median of
``--repeats`` calls after two warm-up calls, waiting for the device after each:

* ``step``: the trainer's own compiled step (forward, backward, optimizer update);
* ``forward``: the loss alone; ``grad``: forward and backward, no update;
* ``update``: the optimizer update alone, given gradients;
* ``encoder`` / ``decoder``: that LSTM layer alone, forward and backward;
* ``per iteration``: (encoder + decoder) / (S + T), the time of one loop step, forward and
  backward together.

``--kernels`` are ``playground.backend.rnn.KERNELS``. On a machine without a GPU the routes
are taken as on a GPU (so the loop variants can be compared here too); cuDNN ones are left
out there.
"""

from __future__ import annotations

import argparse
import collections
import functools
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras_recipe  # noqa: E402  (the data readers; it imports no backend)


def commonest_batch(steps, split, batch_size):
    """The batch whose padded shape is the commonest in an epoch: (source [B, S], target_in,
    target_out [B, T]) and that shape's share of the epoch's batches."""
    batches = [batch for batch, _ in steps.batches(split, batch_size, bucket_width=4)]
    shapes = collections.Counter((b[0].shape, b[1].shape) for b in batches)
    shape, count = shapes.most_common(1)[0]
    return next(b for b in batches if (b[0].shape, b[1].shape) == shape), count / len(batches)


def median_ms(function, *args, repeats: int) -> float:
    import jax

    for _ in range(2):
        jax.block_until_ready(function(*args))
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        jax.block_until_ready(function(*args))
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1e3


def layer_fn(layer, training_inputs):
    """A jitted forward + backward of one LSTM layer alone: (its weights) → gradients."""
    import jax
    import jax.numpy as jnp

    non_trainable = [v.value for v in layer.non_trainable_variables]

    def loss(trainable):
        outputs = layer.stateless_call(trainable, non_trainable, *training_inputs[0], **training_inputs[1])[0]
        return sum(jnp.sum(o.astype(jnp.float32) ** 2) for o in outputs)

    return jax.jit(jax.grad(loss)), [v.value for v in layer.trainable_variables]


def breakdown(corpus, split, batch_size: int, repeats: int) -> dict:
    import jax
    import jax.numpy as jnp
    from keras import ops

    from playground.backend.devices import plan_device
    from playground.backend.steps import make_steps
    from playground.config import ModelConfig, TrainConfig
    from playground.training.losses import masked_token_sums
    from playground.training.trainer import Trainer

    model_config = ModelConfig(mode="attention", cell="lstm", units=256, embedding_dim=64)
    trainer = Trainer(corpus, model_config, TrainConfig(epochs=1, batch_size=batch_size, sample_items=0))
    plan = plan_device("auto")
    with plan.scope():
        trainer._build(plan, total_steps=1000)
        model = trainer.model
        steps = make_steps(model, plan, functools.partial(masked_token_sums, label_smoothing=0.0))
        batch, share = commonest_batch(steps, split, batch_size)
        source, target_in, target_out = (jnp.asarray(a) for a in batch)
        state = steps._state()
        trainable, non_trainable, optimizer_state = state
        figures = {"shape": (tuple(source.shape), tuple(target_in.shape)), "share": share}

        def loss(trainable_values):
            logits, _ = model.stateless_call(trainable_values, non_trainable, (source, target_in), training=True)
            loss_sum, _, count = masked_token_sums(target_out, logits)
            return loss_sum / jnp.maximum(count, 1.0)

        grad = jax.jit(jax.grad(loss))
        gradients = grad(trainable)
        update = jax.jit(lambda o, g, t: model.optimizer.stateless_apply(o, g, t))
        figures["step"] = median_ms(steps._train, state, batch, repeats=repeats)
        figures["forward"] = median_ms(jax.jit(loss), trainable, repeats=repeats)
        figures["grad"] = median_ms(grad, trainable, repeats=repeats)
        figures["update"] = median_ms(update, optimizer_state, gradients, trainable, repeats=repeats)

        embedded = model.source_embedding(source)
        encoder = model.encoder_layers[0]
        function, weights = layer_fn(encoder, ((embedded,), {"mask": ops.not_equal(source, 0), "training": True}))
        figures["encoder"] = median_ms(function, weights, repeats=repeats)
        h = jnp.zeros((source.shape[0], model_config.units), embedded.dtype)
        decoder = model.decoder_layers[0]
        function, weights = layer_fn(decoder, ((model.target_embedding(target_in),),
                                               {"initial_state": [h, h], "training": True}))
        figures["decoder"] = median_ms(function, weights, repeats=repeats)
        figures["per_iteration_us"] = (figures["encoder"] + figures["decoder"]) / (source.shape[1] + target_in.shape[1]) * 1e3
    return figures


def main():
    from playground.backend.rnn import KERNELS  # imports no backend

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=keras_recipe.default_data_path())
    parser.add_argument("--pairs", type=int, default=10000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--kernels", nargs="+", choices=KERNELS, default=["scan", "projected", "projected-unroll4"])
    args = parser.parse_args()
    if not os.path.exists(args.data):
        sys.exit(f"step_breakdown: {args.data} not found (pass --data PATH to tatoeba-eng-fra.txt)")

    from playground.backend.loading import load_backend

    if load_backend(quiet=True) != "jax":
        sys.exit("step_breakdown: run it under JAX (KERAS_BACKEND=jax)")
    import jax

    from gpu_check import make_corpus
    from playground.backend import rnn
    from playground.data.batching import encode_split

    on_gpu = jax.default_backend() == "gpu"
    if not on_gpu:
        rnn._platforms = lambda jax: ("gpu", "gpu")  # routes as on a GPU, so the loops differ here too
    kernels = [k for k in args.kernels if on_gpu or not k.startswith("cudnn")]
    corpus = make_corpus(keras_recipe.recipe_pairs(keras_recipe.read_lines(args.data), args.pairs))
    split = encode_split(corpus.train, corpus.source_vocab, corpus.target_vocab)
    device = jax.devices()[0]
    print(f"JAX {jax.__version__} on {device.platform.upper()} ({device.device_kind}); batch {args.batch_size}, "
          f"median of {args.repeats} calls, ms", flush=True)
    header = f"{'LSTMs as':<18}{'step':>8}{'forward':>9}{'grad':>8}{'update':>8}{'encoder':>9}{'decoder':>9}" \
             f"{'per iteration':>15}"
    print(header)
    baseline = None
    for kernels_name in kernels:
        rnn.kernels = kernels_name
        f = breakdown(corpus, split, args.batch_size, args.repeats)
        baseline = baseline or f["step"]
        print(f"{kernels_name:<18}{f['step']:>8.2f}{f['forward']:>9.2f}{f['grad']:>8.2f}{f['update']:>8.2f}"
              f"{f['encoder']:>9.2f}{f['decoder']:>9.2f}{f['per_iteration_us']:>12.1f} µs"
              f"   step {f['step'] / baseline:.2f}x of {kernels[0]}; shape source {f['shape'][0]}, "
              f"target {f['shape'][1]} ({f['share']:.0%} of the epoch's batches)", flush=True)


if __name__ == "__main__":
    main()
