"""Qt-free music core: MIDI I/O, token encodings, a synthesiser, corpora and metrics.

Times are in beats (quarter notes) throughout; see :mod:`.notes`.
"""

from .corpus import BUILTIN_MIDI_DIR, MusicCorpus, load_music_source
from .encoding import (
    ENCODINGS,
    augment_transpositions,
    bars_to_steps,
    decode,
    decode_events,
    decode_melody,
    encode,
    encode_events,
    encode_melody,
    primer_tokens,
    transpose_tune,
)
from .metrics import bigram_baseline, histogram_distance, pitch_class_histogram, unigram_baseline
from .midi_io import MidiError, MidiLoad, load_midi_folder, read_midi, write_midi
from .notes import Note, Tune
from .synth import midi_to_hz, render, to_int16, write_wav
from .windows import cut_windows

__all__ = [
    "BUILTIN_MIDI_DIR",
    "ENCODINGS",
    "MidiError",
    "MidiLoad",
    "MusicCorpus",
    "Note",
    "Tune",
    "augment_transpositions",
    "bars_to_steps",
    "bigram_baseline",
    "cut_windows",
    "decode",
    "decode_events",
    "decode_melody",
    "encode",
    "encode_events",
    "encode_melody",
    "histogram_distance",
    "load_midi_folder",
    "load_music_source",
    "midi_to_hz",
    "pitch_class_histogram",
    "primer_tokens",
    "read_midi",
    "render",
    "to_int16",
    "transpose_tune",
    "unigram_baseline",
    "write_midi",
    "write_wav",
]
