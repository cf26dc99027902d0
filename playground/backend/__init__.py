"""Everything that depends on which Keras backend runs the models, in one package.

The models, search and training loop use ``keras.ops`` only; what cannot be written that
way lives here, one small function per backend: choosing the backend before Keras is
imported (:mod:`.selection`), importing it quietly (:mod:`.loading`), devices and
distribution (:mod:`.devices`), compiled inference functions (:mod:`.compiled`), training
steps (:mod:`.steps`), how LSTMs run on a GPU (:mod:`.rnn`) and the TensorFlow input
pipeline (:mod:`.tf_data`).
Nothing outside this package (and ``playground.export``) imports tensorflow, jax or torch.
"""

from playground.backend.selection import BACKENDS, BackendError, active_backend, select_backend

__all__ = ["BACKENDS", "BackendError", "active_backend", "select_backend"]
