"""Seq2Seq Playground: sequence-to-sequence RNNs with four decoder modes.

The core (everything outside ``playground.ui``) imports no Qt.
"""

__version__ = "0.1.0"
