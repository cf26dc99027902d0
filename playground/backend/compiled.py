"""Compiled inference functions that read a model's current weights, on any backend.

``compile_inference(model, fn, static=...)`` returns a callable with ``fn``'s arguments
(numpy arrays and Python numbers) returning numpy arrays:

* TensorFlow: one ``tf.function`` traced once with every dimension left open, so new
  batch sizes and lengths never retrace; it reads the model's variables when it runs.
* JAX: ``jax.jit`` of a pure function of (the model's variable values, arguments), with
  the values passed in at every call (``keras.StatelessScope``): a decode during training
  uses the weights of that moment, not those at tracing. ``static`` arguments (sizes
  that fix array shapes) are compile-time constants; callers round them to buckets.
* PyTorch: eager, without autograd.
"""

from __future__ import annotations

import numpy as np


def compile_inference(model, fn, *, static: tuple[int, ...] = ()):
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        return _tensorflow(fn, static)
    if backend == "jax":
        return _jax(model, fn, static)
    return _torch(fn, static)


def needs_static_shapes() -> bool:
    """True when every new input shape costs a compilation (JAX): pad to buckets then."""
    import keras

    return keras.backend.backend() == "jax"


def _numpy(outputs):
    from keras import ops

    if isinstance(outputs, (tuple, list)):
        return tuple(ops.convert_to_numpy(o) for o in outputs)
    return ops.convert_to_numpy(outputs)


def _as_array(value):
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (bool, np.bool_)):
        return np.asarray(value)
    if isinstance(value, (int, np.integer)):
        return np.int32(value)
    return np.float32(value)


def _tensorflow(fn, static):
    import tensorflow as tf

    compiled = {}

    def call(*args):
        arrays = [_as_array(a) for a in args]
        if "fn" not in compiled:
            signature = [tf.TensorSpec([None] * a.ndim, tf.as_dtype(a.dtype)) for a in arrays]
            compiled["fn"] = tf.function(fn, input_signature=signature)
        return _numpy(compiled["fn"](*arrays))

    return call


def _jax(model, fn, static):
    import jax
    import keras

    variables = list(model.variables)

    def pure(values, *args):
        with keras.StatelessScope(state_mapping=list(zip(variables, values))):
            return fn(*args)

    compiled = jax.jit(pure, static_argnums=tuple(i + 1 for i in static))

    def call(*args):
        args = [a if i in static else _as_array(a) for i, a in enumerate(args)]
        return _numpy(compiled([v.value for v in variables], *args))

    return call


def _torch(fn, static):
    import torch
    from keras import ops

    def call(*args):
        args = [a if i in static else ops.convert_to_tensor(_as_array(a)) for i, a in enumerate(args)]
        with torch.no_grad():
            return _numpy(fn(*args))

    return call


def random_categorical(logits, seed, step):
    """One sample per row of ``logits`` [B, V] → [B] int32, a pure function of
    (``seed`` [2] int32, ``step``): the same seed gives the same sequence."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        step_seed = tf.stack([seed[0], seed[1] + tf.cast(step, tf.int32)])
        return tf.reshape(tf.random.stateless_categorical(logits, 1, step_seed, dtype=tf.int32), [-1])
    if backend == "jax":
        import jax
        import jax.numpy as jnp

        key = jax.random.fold_in(jax.random.PRNGKey(seed[0]), seed[1] + step)
        return jax.random.categorical(key, logits, axis=-1).astype(jnp.int32)
    import torch

    generator = torch.Generator(device=logits.device)
    generator.manual_seed(int(seed[0]) * 1_000_003 + int(seed[1]) + int(step))
    probabilities = torch.softmax(logits.float(), dim=-1)
    return torch.multinomial(probabilities, 1, generator=generator)[:, 0].to(torch.int32)
