"""Data layer: loading, normalising, tokenising and splitting datasets.

Pure Python + numpy (no TensorFlow, no Qt). The single entry point for the
trainer, CLI and GUI is :func:`load_source`; the other modules are its
building blocks and are public for tests and advanced users.
"""


class DataError(ValueError):
    """A data source cannot be used (missing, empty, malformed...).

    The message is one line and names the offending path or source, so the
    CLI and GUI can show it as is.
    """


class LoadCancelled(Exception):
    """Raised from a loader's ``progress`` callback to abandon the load (the user pressed Cancel)."""


# Imported after DataError on purpose: the submodules import it from here.
from playground.data.pairs import PairsFile, SkippedLine, load_pairs, load_parallel  # noqa: E402
from playground.data.lmtext import BUILTIN_TEXT_PATH, TextFile, load_text  # noqa: E402
from playground.data.source import Corpus, DataOptions, load_source  # noqa: E402
from playground.data.tasks import BUILTIN_TASKS, TaskSpec, describe_tasks, generate_task  # noqa: E402
from playground.data.text import LEVELS, detokenize, normalize, tokenize  # noqa: E402
from playground.data.vocab import Vocabulary  # noqa: E402

__all__ = [
    "BUILTIN_TASKS",
    "BUILTIN_TEXT_PATH",
    "Corpus",
    "DataError",
    "LoadCancelled",
    "DataOptions",
    "LEVELS",
    "PairsFile",
    "SkippedLine",
    "TaskSpec",
    "TextFile",
    "Vocabulary",
    "describe_tasks",
    "detokenize",
    "generate_task",
    "load_pairs",
    "load_parallel",
    "load_source",
    "load_text",
    "normalize",
    "tokenize",
]
