"""How an LSTM runs under JAX on a GPU, and a masked LSTM as one cuDNN call.

Keras's JAX LSTM tries cuDNN (``jax.experimental.rnn``) whenever the process has a GPU and
no mask is given, else runs a ``lax.scan``. Two things follow. Work placed on the CPU of
a GPU machine (``--device cpu``) had Keras's cuDNN call compiled for the CPU, which fails;
and on an H200 (``benchmarks/gpu_check.py --compare``) the scan trained the project's
attention model fastest: cuDNN's calls cost more than the loop they replace at these sizes.
So the scan is the default here, and the other ways stay selectable for measuring.

:func:`masked_lstm` is cuDNN with each row's length, the same computation as Keras's
masked loop for right-padded rows: the states stop at the last real token and the outputs
past it are zeros.
"""

from __future__ import annotations

# How LSTMs run under JAX on a GPU: "scan": Keras's loop for all (fastest measured);
# "projected": that loop with the input projection done before it, one matmul for all
# steps ("projected-unroll4": its loop unrolled four steps at a time); "cudnn": masked runs
# fused here, unmasked ones through Keras's cuDNN path; "cudnn-unmasked": Keras's own
# choice (only unmasked runs on cuDNN); "unrolled": the loop unrolled at trace time.
KERNELS = ("scan", "projected", "projected-unroll4", "cudnn", "cudnn-unmasked", "unrolled")
kernels = "scan"
enabled = True  # False: masked_lstm never fuses (tests)


def _platforms(jax) -> tuple[str, str]:
    """(the default backend, the platform computations go to now). A ``jax.default_device``
    scope (``keras.device``, e.g. training with ``--device cpu`` on a GPU machine) decides
    the second."""
    device = jax.config.jax_default_device
    placed = jax.default_backend() if device is None else device if isinstance(device, str) else device.platform
    return jax.default_backend(), placed


def lstm_route(masked: bool) -> str:
    """How a Keras LSTM should run here: "fused" (:func:`masked_lstm`), "keras" (its own
    ``inner_loop``, cuDNN where Keras finds it), "scan" (Keras's loop, no cuDNN attempt),
    "unrolled" (that loop unrolled), "projected" or "projected-unroll4" (the layer's loop
    with the input projection hoisted out of it)."""
    import keras

    if keras.backend.backend() != "jax":
        return "keras"
    import jax

    default, placed = _platforms(jax)
    if default != "gpu":
        return "keras"  # Keras's loop; it tries no cuDNN without a GPU
    if placed != "gpu":
        # Keras checks only for a GPU in the process; its cuDNN call would then be compiled
        # for the CPU this work is placed on, and fail there.
        return "scan"
    if kernels == "cudnn":
        return "fused" if masked else "keras"
    if kernels == "cudnn-unmasked":
        return "scan" if masked else "keras"
    return kernels


def fused_lstm_available() -> bool:
    """Whether :func:`masked_lstm` runs cuDNN in this process now (JAX on a GPU, placed there)."""
    if not enabled or lstm_route(masked=True) != "fused":
        return False
    try:
        from jax.experimental.rnn import lstm  # noqa: F401
    except ImportError:
        return False
    return True


def masked_lstm(inputs, mask, h0, c0, kernel, recurrent_kernel, bias, implementation=None):
    """The fused LSTM where it applies, else ``None`` (the caller runs its own loop).

    ``inputs`` [B, T, I] float32, ``mask`` [B, T] bool, true on a prefix of each row
    (right padding), ``h0`` / ``c0`` [B, U], ``kernel`` [I, 4U], ``recurrent_kernel``
    [U, 4U], ``bias`` [4U] (gates in Keras's order i, f, c, o, which is cuDNN's)
    → (outputs [B, T, U], zero past each row's length; h [B, U]; c [B, U]), the states
    at each row's last real step.

    ``implementation`` replaces ``jax.experimental.rnn.lstm`` (tests pass its reference).
    """
    import keras

    if not enabled or keras.backend.backend() != "jax" or keras.distribution.distribution() is not None:
        return None  # a sharded batch would need the custom call partitioned
    import jax
    import jax.numpy as jnp

    if implementation is None:
        if not fused_lstm_available():
            return None
        from jax.experimental.rnn import lstm as implementation
    if any(jnp.asarray(t).dtype != jnp.float32 for t in (inputs, h0, kernel, recurrent_kernel)) or bias is None:
        return None
    kernel, recurrent_kernel, bias = (jnp.asarray(t) for t in (kernel, recurrent_kernel, bias))
    input_size, hidden_size = kernel.shape[0], recurrent_kernel.shape[0]
    weights = jnp.concatenate([kernel.T.ravel(), recurrent_kernel.T.ravel(), bias, jnp.zeros_like(bias)])
    mask = jnp.asarray(mask)
    # A row of padding only (a filler row) runs one step rather than none: cuDNN wants ≥ 1.
    lengths = jnp.maximum(jnp.sum(mask.astype(jnp.int32), axis=1), 1)
    outputs, h, c = implementation(
        jnp.asarray(inputs), jnp.asarray(h0)[None], jnp.asarray(c0)[None], weights, lengths,
        input_size=input_size, hidden_size=hidden_size, num_layers=1, dropout=0.0, bidirectional=False)
    outputs = jnp.where(mask[:, :, None], outputs, jnp.zeros((), outputs.dtype))
    return outputs, h[0], c[0]


def reference_lstm(x, h_0, c_0, weights, seq_lengths, *, input_size, hidden_size, num_layers, dropout,
                   bidirectional):
    """``jax.experimental.rnn.lstm``'s signature over its pure-JAX reference (runs on a CPU)."""
    from jax.experimental import rnn

    W_ih, W_hh, b_ih, b_hh = rnn.unpack_lstm_weights(weights, input_size, hidden_size, num_layers, bidirectional)
    return rnn.lstm_ref(x, h_0, c_0, W_ih, W_hh, b_ih, b_hh, seq_lengths, input_size, hidden_size, num_layers,
                        dropout, bidirectional)
