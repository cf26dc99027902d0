"""Training and evaluation steps, compiled the way each backend does it best.

One interface (:class:`Steps`) over three implementations, so the trainer keeps one loop
(per-batch events, pause/stop within one batch, the NaN guard, checkpoints) whatever the
backend:

* TensorFlow: ``tf.function`` around ``strategy.run`` (one device, MirroredStrategy or
  MultiWorkerMirroredStrategy), fed by a distributed ``tf.data`` pipeline.
* JAX: one ``jax.jit`` of a pure function of (weights, optimizer state, batch), the way
  Keras's own JAX trainer works. Each step reads the model's variables and writes the new
  values back (a reference swap, no copy), so the model is current between any two steps:
  a callback, a pause or a stop sees the weights as they are. Batches are padded to
  bucket edges and the full batch size so the compiled shapes stay few.
* PyTorch: eager forward, ``backward()`` and ``optimizer.apply`` (Keras's torch trainer).

``loss_fn(target_out, logits)`` → (loss sum, correct tokens, counted tokens), pure keras.ops.
"""

from __future__ import annotations

import numpy as np

from playground.data.batching import iterate_batches, pad_to_shape


class Steps:
    """``train(batch)`` / ``evaluate(batch)`` → a handle; :meth:`values` turns a handle into
    (loss sum, correct, count) floats (waiting for the device only then, so the next
    batch can be dispatched first). ``batches()`` yields (batch, examples in it)."""

    fill_batches = False  # True: batches are padded to full size, so partial ones are filled

    def __init__(self, model, plan, loss_fn):
        self.model, self.plan, self.loss_fn = model, plan, loss_fn

    def batches(self, split, batch_size, *, bucket_width, shuffle=True, seed=0):
        for batch in iterate_batches(split, batch_size, bucket_width=bucket_width, shuffle=shuffle, seed=seed):
            yield self._place(batch), int(batch[0].shape[0])

    def _place(self, batch):
        return batch

    def values(self, handle) -> tuple[float, float, float]:
        return tuple(float(v) for v in np.asarray(handle))


def _kinds():
    return {"tensorflow": _TensorFlowSteps, "jax": _JaxSteps, "torch": _TorchSteps}


def make_steps(model, plan, loss_fn) -> Steps:
    return _kinds()[plan.backend](model, plan, loss_fn)


def fills_batches(backend: str) -> bool:
    """Whether ``backend``'s steps serve full batches (for counting them before building)."""
    return _kinds()[backend].fill_batches


class _TensorFlowSteps(Steps):
    def __init__(self, model, plan, loss_fn):
        super().__init__(model, plan, loss_fn)
        import tensorflow as tf

        optimizer, strategy = model.optimizer, plan.strategy

        def train_replica(source, target_in, target_out):
            with tf.GradientTape() as tape:
                logits = model((source, target_in), training=True)
                loss_sum, correct, count = loss_fn(target_out, logits)
                # Apply sums gradients over replicas: divide by their number.
                loss = loss_sum / tf.maximum(count, 1.0) / strategy.num_replicas_in_sync
                scaled = optimizer.scale_loss(loss) if hasattr(optimizer, "scale_loss") else loss
            gradients = tape.gradient(scaled, model.trainable_variables)
            optimizer.apply(gradients, model.trainable_variables)
            return loss_sum, correct, count

        def eval_replica(source, target_in, target_out):
            return loss_fn(target_out, model((source, target_in), training=False))

        def reduce(values):
            return tf.stack([strategy.reduce("SUM", v, axis=None) for v in values])

        self._functions = (lambda batch: reduce(strategy.run(train_replica, batch)),
                           lambda batch: reduce(strategy.run(eval_replica, batch)))
        # Until a dataset gives the input signature, shapes are generalised after a retrace.
        self.train, self.evaluate = (tf.function(f, reduce_retracing=True) for f in self._functions)
        self._signature = None

    def batches(self, split, batch_size, *, bucket_width, shuffle=True, seed=0):
        import tensorflow as tf

        from playground.backend.tf_data import make_dataset

        dataset = make_dataset(split, batch_size, bucket_width=bucket_width, shuffle=shuffle, seed=seed)
        distributed = self.plan.strategy.experimental_distribute_dataset(dataset)
        if self._signature is None:
            # One trace for every batch shape (the spec has open dimensions; a distributed
            # dataset's spec covers its PerReplica values): a Transformer's trace takes ~12 s.
            self._signature = [distributed.element_spec]
            self.train, self.evaluate = (tf.function(f, input_signature=self._signature) for f in self._functions)
        for batch in distributed:
            yield batch, _examples(batch[2])


def _examples(tensor) -> int:
    values = getattr(tensor, "values", None)
    if values is not None:  # PerReplica
        return sum(int(v.shape[0]) for v in values)
    return int(tensor.shape[0])


class _JaxSteps(Steps):
    fill_batches = True

    def __init__(self, model, plan, loss_fn):
        super().__init__(model, plan, loss_fn)
        import jax
        import jax.numpy as jnp

        optimizer = model.optimizer
        self._variables = (model.trainable_variables, model.non_trainable_variables, optimizer.variables)

        def loss_and_sums(trainable, non_trainable, source, target_in, target_out):
            logits, non_trainable = model.stateless_call(trainable, non_trainable, (source, target_in), training=True)
            loss_sum, correct, count = loss_fn(target_out, logits)
            loss = loss_sum / jnp.maximum(count, 1.0)
            scaled = optimizer.scale_loss(loss) if hasattr(optimizer, "scale_loss") else loss
            return scaled, (non_trainable, jnp.stack([loss_sum, correct, count]))

        gradient_of = jax.value_and_grad(loss_and_sums, has_aux=True)

        def train(state, batch):
            trainable, non_trainable, optimizer_state = state
            (_, (non_trainable, sums)), gradients = gradient_of(trainable, non_trainable, *batch)
            trainable, optimizer_state = optimizer.stateless_apply(optimizer_state, gradients, trainable)
            return (trainable, non_trainable, optimizer_state), sums

        def evaluate(state, batch):
            trainable, non_trainable, _ = state
            source, target_in, target_out = batch
            logits, _ = model.stateless_call(trainable, non_trainable, (source, target_in), training=False)
            return jnp.stack(loss_fn(target_out, logits))

        # No buffer donation: the model's variables keep their values valid at all times.
        self._train = jax.jit(train)
        self._evaluate = jax.jit(evaluate)
        self._data_sharding = None
        if plan.distribution is not None:
            self._data_sharding = plan.distribution.get_data_layout((1, 1)).backend_layout

    def _state(self):
        return tuple([v.value for v in group] for group in self._variables)

    def batches(self, split, batch_size, *, bucket_width, shuffle=True, seed=0):
        multiple = max(bucket_width, 8) if bucket_width else 8
        rows = -(-batch_size // self.plan.replicas) * self.plan.replicas  # divisible among devices
        for batch in iterate_batches(split, batch_size, bucket_width=bucket_width, shuffle=shuffle, seed=seed,
                                     fill=True):
            yield self._place(pad_to_shape(batch, rows, multiple)), int(batch[0].shape[0])

    def _place(self, batch):
        if self._data_sharding is None:
            return batch
        import jax

        return tuple(jax.device_put(array, self._data_sharding) for array in batch)

    def train(self, batch):
        state, sums = self._train(self._state(), batch)
        for group, values in zip(self._variables, state):
            for variable, value in zip(group, values):
                variable.assign(value)
        return sums

    def evaluate(self, batch):
        return self._evaluate(self._state(), batch)


class _TorchSteps(Steps):
    def __init__(self, model, plan, loss_fn):
        super().__init__(model, plan, loss_fn)

    def _place(self, batch):
        from keras import ops

        return tuple(ops.convert_to_tensor(array) for array in batch)

    def train(self, batch):
        import torch

        model, optimizer = self.model, self.model.optimizer
        source, target_in, target_out = batch
        model.zero_grad()
        logits = model((source, target_in), training=True)
        loss_sum, correct, count = self.loss_fn(target_out, logits)
        loss = loss_sum / torch.clamp(count, min=1.0)
        scaled = optimizer.scale_loss(loss) if hasattr(optimizer, "scale_loss") else loss
        scaled.backward()
        variables = model.trainable_variables
        gradients = [v.value.grad for v in variables]
        with torch.no_grad():
            optimizer.apply(gradients, variables)
        return torch.stack([loss_sum, correct, count]).detach()

    def evaluate(self, batch):
        import torch

        source, target_in, target_out = batch
        with torch.no_grad():
            return torch.stack(self.loss_fn(target_out, self.model((source, target_in), training=False)))

    def values(self, handle):
        return tuple(float(v) for v in handle.cpu().numpy())
