"""Running exported models (ONNX, LiteRT) with numpy: no TensorFlow, no Keras.

:class:`~playground.portable.exported.ExportedModel` reads an export folder (``model.json``
plus two graphs) and translates or generates with greedy, beam or sampling search written
in numpy over the graphs, like the app's compiled searches in :mod:`playground.inference.search`.
"""

from playground.portable.exported import ExportedModel
from playground.portable.manifest import ExportFolderError

__all__ = ["ExportedModel", "ExportFolderError"]
