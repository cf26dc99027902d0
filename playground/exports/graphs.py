"""The encoder and the one-step decoder of a trained model as TensorFlow functions with
named, dict-shaped inputs and outputs (the names the portable runtimes feed and read).

Encoder: ``source`` [B, S] int32 (a Transformer also takes ``decode_length`` [] int32, the
cache length) → ``memory`` [B, S, U], ``memory_mask`` [B, S] bool, ``context`` [B, U],
``state_00`` … (the decoder's initial states).

Step: ``previous`` [B] int32, ``memory``, ``memory_mask``, ``context``, ``state_00`` … →
``logits`` [B, V] float32, ``weights`` [B, S] float32, ``next_state_00`` … (the next states;
an output may not share an input's name in ONNX).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import tensorflow as tf


@dataclass
class Graphs:
    encoder: object  # tf.function taking one dict
    encoder_signature: dict  # name → tf.TensorSpec
    step: object
    step_signature: dict
    state_names: list
    state_dtypes: list

    @property
    def layout(self) -> dict:
        """What ``model.json`` records so a runtime can feed the graphs."""
        return {"encoder_inputs": sorted(self.encoder_signature),
                "encoder_outputs": sorted(["memory", "memory_mask", "context", *self.state_names]),
                "step_inputs": sorted(self.step_signature),
                "step_outputs": sorted(["logits", "weights", *(f"next_{n}" for n in self.state_names)]),
                "states": self.state_names, "state_dtypes": self.state_dtypes}


def _spec(value, name: str) -> tf.TensorSpec:
    """A spec for tensors like ``value``: any batch, middle dims free, the last (feature) dim
    fixed for rank ≥ 2."""
    rank = len(value.shape)
    shape = [None] * (rank - 1) + [int(value.shape[-1])] if rank > 1 else [None]
    return tf.TensorSpec(shape, tf.as_dtype(value.dtype), name=name)


def build_graphs(model, *, encoder_batch=None) -> Graphs:
    """The two functions over ``model`` (its current weights). ``encoder_batch`` fixes the
    encoder's batch size (the TFLite converter lowers the masked RNN loops only then)."""
    cfg = model.config
    dummy = np.ones((1, 2), np.int32)
    memory, _, states, context = model.encode(dummy, decode_length=4)
    names = [f"state_{i:02d}" for i in range(len(states))]

    def encoder(inputs):
        memory, memory_mask, states, context = model.encode(inputs["source"],
                                                            decode_length=inputs.get("decode_length"))
        return {"memory": memory, "memory_mask": memory_mask, "context": context, **dict(zip(names, states))}

    encoder_signature = {"source": tf.TensorSpec([encoder_batch, None], tf.int32, name="source")}
    if cfg.is_transformer:
        encoder_signature["decode_length"] = tf.TensorSpec([], tf.int32, name="decode_length")

    def step(inputs):
        logits, new_states, weights = model.decode_step(inputs["previous"], [inputs[n] for n in names],
                                                        inputs["memory"], inputs["memory_mask"], inputs["context"])
        return {"logits": tf.cast(logits, tf.float32), "weights": tf.cast(weights, tf.float32),
                **{f"next_{n}": s for n, s in zip(names, new_states)}}

    step_signature = {"previous": tf.TensorSpec([None], tf.int32, name="previous"),
                      "memory": _spec(memory, "memory"), "memory_mask": tf.TensorSpec([None, None], tf.bool, name="memory_mask"),
                      "context": _spec(context, "context"),
                      **{n: _spec(s, n) for n, s in zip(names, states)}}
    return Graphs(tf.function(encoder), encoder_signature, tf.function(step), step_signature, names,
                  [tf.as_dtype(s.dtype).name for s in states])
