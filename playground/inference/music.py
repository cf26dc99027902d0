"""Generating music with a trained language model: seed note or primer in, notes out.

Qt-free; the CLI (``playground generate MODEL.keras --seed C4 --bars 4 --out tune.mid``) and
the desktop app's Music panel both call :func:`generate_music`. Sampling is the compiled
loop of :mod:`playground.inference.search` (through :meth:`Predictor.generate_tokens`).

What the numbers count:

* ``length`` = tokens sampled after the seed / primer. With the melody encoding one token
  is one 16th-note step, so 64 = 4 bars of 4/4. With the event encoding tokens are events
  (note-on, note-off, time shift, velocity), so prefer ``bars`` there.
* ``bars`` = bars of music to generate (time signature of the primer tune, else the
  training corpus' usual one). A seed note is the first step of those bars; a primer is
  followed by that many new bars.

Pitch range: the vocabulary of a music model holds only the pitch tokens of its training
sequences, so the sampler cannot emit a pitch outside the training corpus' range (out-of-range
pitches are banned by construction). As a safety net the decoded notes are checked and any
that would still lie outside (a hand-edited model file) are folded by octaves into the range
(``GeneratedMusic.clamped`` counts them). A primer's own notes are kept as they are.

End of sequence: music models are trained on whole tunes or windows, each followed by the
end token, so the model may end a piece early. Generation then continues from the last
few bars (re-primed with at most ``CONTEXT_STEPS`` tokens) until the requested length is
reached; ``GeneratedMusic.continuations`` counts these.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace

import numpy as np

from playground.limits import MAX_BARS, MAX_GENERATED_TOKENS, check_sampling
from playground.music.encoding import (
    HOLD,
    bars_to_steps,
    decode,
    primer_tokens,
    token_pitch,
    velocity_bin,
)
from playground.music.metrics import histogram_distance, pitch_class_histogram
from playground.music.notes import Note, Tune
from playground.music.windows import is_boundary

UNK_TOKEN = "<unk>"
CONTEXT_STEPS = 64  # tokens of recent music used to re-prime after an early end token
MAX_CONTINUATIONS = 64  # give up extending after this many early ends (returns what it has)
PRIMER_TRACK, GENERATED_TRACK = 0, 1  # MIDI tracks of primer/seed notes and generated notes

_NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_LETTER = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_NAME_RE = re.compile(r"^\s*([A-Ga-g])([#♯b♭]*)(-?\d+)\s*$")


class MusicGenerationError(ValueError):
    """A generation request cannot be met (bad seed note, not a music model...); one line."""


# --------------------------------------------------------------------------- note names


def parse_pitch(text: str | int) -> int:
    """A MIDI pitch from ``"60"``, ``60`` or a note name in scientific notation (middle C =
    ``"C4"`` = 60; ``"C#4"``, ``"Db4"``, ``"a3"``, ``"C-1"`` = 0). Raises MusicGenerationError."""
    if isinstance(text, (int, np.integer)) and not isinstance(text, bool):
        pitch = int(text)
    else:
        s = str(text).strip()
        if re.fullmatch(r"-?\d+", s):
            pitch = int(s)
        else:
            m = _NAME_RE.match(s)
            if not m:
                raise MusicGenerationError(
                    f"seed {text!r} is neither a MIDI pitch (0-127) nor a note name like C4, F#3 or Bb5")
            letter, accidentals, octave = m.groups()
            shift = sum(1 if a in "#♯" else -1 for a in accidentals)
            pitch = _LETTER[letter.upper()] + shift + (int(octave) + 1) * 12
    if not 0 <= pitch <= 127:
        raise MusicGenerationError(f"seed {text!r} is MIDI pitch {pitch}, outside 0..127")
    return pitch


def pitch_name(pitch: int) -> str:
    """``60`` -> ``"C4"``, ``61`` -> ``"C#4"`` (sharps; middle C is C4)."""
    return f"{_NOTE_NAMES[int(pitch) % 12]}{int(pitch) // 12 - 1}"


# --------------------------------------------------------------------------- model facts


@dataclass(frozen=True)
class MusicModelInfo:
    """What generation needs to know about a music model (read from its ``meta``)."""

    encoding: str  # "melody" or "events"
    pitch_range: tuple[int, int]  # lowest/highest pitch in the training tokens
    steps_per_beat: int = 4  # grid resolution of the encoding (4 = 16th notes)
    time_signature: tuple[int, int] = (4, 4)  # the training corpus' most common one
    tempo_bpm: float = 120.0  # the training corpus' median tempo
    pitch_class_histogram: tuple | None = None  # (12,) training distribution, C first

    @classmethod
    def from_model(cls, model) -> "MusicModelInfo":
        meta = getattr(model, "meta", {}) or {}
        if meta.get("corpus_kind") != "music":
            raise MusicGenerationError("not a music model (it was trained on "
                                       f"{meta.get('corpus_kind') or 'unknown'} data)")
        extra = meta.get("extra", {}) or {}
        hist = extra.get("pitch_class_histogram")
        lo, hi = extra.get("pitch_range", [0, 127])
        return cls(encoding=extra.get("encoding", "melody"), pitch_range=(int(lo), int(hi)),
                   steps_per_beat=int(extra.get("steps_per_beat", 4)),
                   time_signature=tuple(extra.get("time_signature", (4, 4))),
                   tempo_bpm=float(extra.get("tempo_bpm", 120.0)),
                   pitch_class_histogram=tuple(hist) if hist else None)

    def seed_tokens(self, pitch: int) -> list[str]:
        """The tokens that start a piece on ``pitch`` in this encoding."""
        if self.encoding == "melody":
            return [f"p{pitch}"]
        return [f"vel{velocity_bin(80)}", f"on{pitch}"]


def _predictor(model):
    """One Predictor per model (the compiled sampler is cached on the model itself)."""
    from playground.inference.predictor import Predictor

    cache = model.__dict__.setdefault("_music_predictor", [])
    if not cache:
        cache.append(Predictor(model))
    return cache[0]


# --------------------------------------------------------------------------- result


@dataclass
class GeneratedMusic:
    """A generated piece: the seed/primer part and the model's continuation."""

    primer_tokens: list[str]  # the seed note / primer as tokens (what the model was given)
    generated_tokens: list[str]  # tokens the model sampled after it
    primer_notes: list[Note]  # seed / primer notes (track 0)
    generated_notes: list[Note]  # generated notes (track 1), times continue after the primer
    info: MusicModelInfo  # encoding, pitch range, grid of the model
    time_signature: tuple[int, int] = (4, 4)  # of the output (the primer tune's, else the corpus')
    tempo_bpm: float = 120.0  # of the output
    primer_beats: float = 0.0  # where the generated part starts, in beats
    total_beats: float = 0.0  # length of primer + generated part, in beats (grid time)
    clamped: int = 0  # generated notes folded into the training pitch range (normally 0)
    continuations: int = 0  # times an early end token was followed by re-priming
    seconds: float = 0.0  # wall time spent sampling
    settings: dict = field(default_factory=dict)  # the request (seed, length, temperature...)

    @property
    def notes(self) -> list[Note]:
        return sorted(self.primer_notes + self.generated_notes, key=lambda n: (n.start, n.pitch))

    @property
    def beats_per_bar(self) -> float:
        num, den = self.time_signature
        return num * 4.0 / den

    def tune(self, name: str = "generated") -> Tune:
        """Primer and generated notes as a :class:`Tune` (tracks 0 and 1) for MIDI output."""
        return Tune(name=name, notes=self.notes, tempo_bpm=self.tempo_bpm,
                    time_signature=tuple(self.time_signature))

    def pitch_class_distance(self) -> float | None:
        """Jensen-Shannon distance between the generated notes' pitch-class histogram and the
        training corpus' (0 = same distribution); None when the model has no histogram."""
        if self.info.pitch_class_histogram is None or not self.generated_notes:
            return None
        return histogram_distance(pitch_class_histogram(self.generated_notes),
                                  np.asarray(self.info.pitch_class_histogram))

    def out_of_range(self) -> list[Note]:
        """Generated notes outside the training pitch range (empty for a valid result)."""
        lo, hi = self.info.pitch_range
        return [n for n in self.generated_notes if not lo <= n.pitch <= hi]

    def summary(self) -> dict:
        """JSON-able description (CLI ``--json``, status lines)."""
        distance = self.pitch_class_distance()
        return {
            "encoding": self.info.encoding,
            "settings": self.settings,
            "primer_tokens": len(self.primer_tokens),
            "generated_tokens": len(self.generated_tokens),
            "primer_notes": len(self.primer_notes),
            "generated_notes": len(self.generated_notes),
            "bars": round(self.total_beats / self.beats_per_bar, 3),
            "generated_bars": round((self.total_beats - self.primer_beats) / self.beats_per_bar, 3),
            "time_signature": list(self.time_signature),
            "tempo_bpm": self.tempo_bpm,
            "training_pitch_range": list(self.info.pitch_range),
            "generated_pitch_range": ([min(n.pitch for n in self.generated_notes),
                                       max(n.pitch for n in self.generated_notes)]
                                      if self.generated_notes else None),
            "clamped": self.clamped,
            "continuations": self.continuations,
            "pitch_class_distance": None if distance is None else round(distance, 4),
            "seconds": round(self.seconds, 4),
        }


# --------------------------------------------------------------------------- generation


def fold_into_range(pitch: int, low: int, high: int) -> int:
    """Move ``pitch`` by octaves into [low, high]; clamp if the range is under an octave."""
    while pitch < low and pitch + 12 <= high:
        pitch += 12
    while pitch > high and pitch - 12 >= low:
        pitch -= 12
    return min(max(pitch, low), high)


def _grid_steps(tokens: list[str], encoding: str) -> int:
    """Grid steps covered by ``tokens``."""
    if encoding == "melody":
        return len(tokens)
    return sum(int(t[5:]) for t in tokens if t.startswith("shift") and t[5:].isdigit())


def _cut_at_steps(tokens: list[str], steps: int) -> list[str]:
    """Event tokens up to time ``steps`` (the last shift shortened to land on it)."""
    out, now = [], 0
    for t in tokens:
        if t.startswith("shift") and t[5:].isdigit():
            n = int(t[5:])
            if now + n >= steps:
                if steps > now:
                    out.append(f"shift{steps - now}")
                return out
            now += n
        out.append(t)
    return out


def _context(tokens: list[str], encoding: str) -> list[str]:
    """The last ``CONTEXT_STEPS`` tokens or fewer, starting on a note event."""
    start = max(len(tokens) - CONTEXT_STEPS, 0)
    while start < len(tokens) - 1 and not is_boundary(tokens, start, encoding):
        start += 1
    return tokens[start:]


def _clean(tokens: list[str], encoding: str) -> list[str]:
    """Unknown tokens cannot be played: a hold in melody (time keeps going), dropped in events."""
    if encoding == "melody":
        return [HOLD if t == UNK_TOKEN else t for t in tokens]
    return [t for t in tokens if t != UNK_TOKEN]


def generate_music(model, *, seed_pitch: int | str | None = None, primer: Tune | None = None,
                   primer_bars: float = 2.0, length: int | None = None, bars: float | None = None,
                   temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0,
                   random_seed: int = 0, should_stop=None) -> GeneratedMusic:
    """Sample a continuation of a seed note or of the first ``primer_bars`` bars of ``primer``.

    Give ``length`` (tokens after the seed/primer) or ``bars`` (bars of music, see the module
    docstring); default 4 bars. With neither seed nor primer the model chooses the first note.
    ``should_stop()`` (optional, any thread) is polled between sampling calls. Same arguments
    and model → same result. Raises MusicGenerationError for unusable requests.
    """
    info = MusicModelInfo.from_model(model)
    predictor = _predictor(model)
    vocab = predictor.target_vocab
    if length is not None and bars is not None:
        raise MusicGenerationError("give length (tokens) or bars, not both")
    try:
        check_sampling(length=length, temperature=temperature, top_k=top_k, top_p=top_p)
    except ValueError as exc:
        raise MusicGenerationError(str(exc)) from None
    for name, value in (("bars", bars), ("primer bars", primer_bars)):
        if value is not None and not (isinstance(value, (int, float)) and 0 < value <= MAX_BARS):
            raise MusicGenerationError(f"{name} must be a number above 0 up to {MAX_BARS:g}, got {value!r}")
    lo, hi = info.pitch_range
    signature, tempo = tuple(info.time_signature), info.tempo_bpm
    if primer is not None:
        prefix = primer_tokens(primer, primer_bars, info.encoding, steps_per_beat=info.steps_per_beat)
        if not prefix:
            raise MusicGenerationError(f"primer {primer.name!r} has no notes in its first {primer_bars} bars")
        signature, tempo = tuple(primer.time_signature), primer.tempo_bpm
        seed_label = f"{primer.name}, first {primer_bars:g} bars"
    elif seed_pitch is not None:
        pitch = parse_pitch(seed_pitch)
        prefix = info.seed_tokens(pitch)
        if any(t not in vocab for t in prefix if token_pitch(t) is not None):
            where = ("is outside the training pitch range" if not lo <= pitch <= hi else
                     "never starts a note in the training tunes (the model has no token for it); the range is")
            seen = sorted({p for t in vocab.tokens if (p := token_pitch(t)) is not None})
            near = min(seen, key=lambda p: abs(p - pitch)) if seen else None
            hint = f"; the nearest it knows is {pitch_name(near)} ({near})" if near is not None else ""
            raise MusicGenerationError(f"seed note {pitch_name(pitch)} ({pitch}) {where} "
                                       f"{pitch_name(lo)}..{pitch_name(hi)} ({lo}..{hi}){hint}")
        prefix = [t for t in prefix if t in vocab]  # an unseen velocity bin is simply left out
        seed_label = f"{pitch_name(pitch)} ({pitch})"
    else:
        prefix, seed_label = [], "none"
    if length is None:
        bar_steps = bars_to_steps(4.0 if bars is None else bars, signature, info.steps_per_beat)
        if info.encoding == "melody":
            # A seed note is step 0 of the requested bars; a primer is followed by them.
            length = max(bar_steps - (len(prefix) if primer is None else 0), 1)
            target_steps = None
        else:
            target_steps = _grid_steps(prefix, "events") + bar_steps
    else:
        target_steps = None

    start = time.perf_counter()
    produced: list[str] = []
    continuations = 0
    call = 0

    def need() -> int:
        if target_steps is None:
            return length - len(produced)
        missing = target_steps - _grid_steps(prefix + produced, "events")
        return max(missing + missing // 2, 16) if missing > 0 else 0

    while need() > 0:
        if should_stop is not None and should_stop():
            break
        if len(produced) > 2 * MAX_GENERATED_TOKENS:  # events that never move time on: give up, bounded
            break
        wanted = min(need(), MAX_GENERATED_TOKENS)  # long requests take several calls
        context = prefix + produced if call == 0 else _context(prefix + produced, info.encoding)
        out, _ = predictor.generate_tokens(context, length=wanted, temperature=temperature, top_k=top_k,
                                           top_p=top_p, seed=int(random_seed) + 7919 * call)
        new = _clean(out[len(context):], info.encoding)
        call += 1
        produced += new
        if len(new) < wanted and need() > 0:  # the model ended the piece early
            continuations += 1
            if continuations > MAX_CONTINUATIONS:
                break
    if target_steps is None:
        produced = produced[:length]
    else:
        produced = _cut_at_steps(prefix + produced, target_steps)[len(prefix):]
    seconds = time.perf_counter() - start

    spb = info.steps_per_beat
    primer_beats = _grid_steps(prefix, info.encoding) / spb
    all_notes = decode(prefix + produced, info.encoding, steps_per_beat=spb)
    primer_notes = [replace(n, track=PRIMER_TRACK) for n in all_notes if n.start < primer_beats - 1e-9]
    generated, clamped = [], 0
    for n in all_notes:
        if n.start < primer_beats - 1e-9:
            continue
        pitch = fold_into_range(n.pitch, lo, hi)
        clamped += pitch != n.pitch
        generated.append(replace(n, pitch=pitch, track=GENERATED_TRACK))
    settings = {"seed": seed_label, "primer": primer is not None, "length": length, "bars": bars,
                "temperature": temperature, "top_k": top_k, "top_p": top_p, "random_seed": random_seed}
    total_beats = primer_beats + _grid_steps(produced, info.encoding) / spb
    return GeneratedMusic(prefix, produced, primer_notes, generated, info, signature, tempo, primer_beats,
                          total_beats, clamped, continuations, seconds, settings)


def bars_text(summary: dict) -> str:
    """ "4 bars with the seed note" / "2 bars after the primer" / "4 bars": a seed note is step 0
    of the requested bars, so its bars are counted with it; a primer's are not."""
    primer, seeded = summary["settings"].get("primer"), summary["settings"]["seed"] != "none"
    shown = summary["generated_bars"] if primer else summary["bars"]
    where = " after the primer" if primer else " with the seed note" if seeded else ""
    return f"{shown:g} bar{'' if shown == 1 else 's'}{where}"


def start_text(summary: dict) -> str:
    seed = summary["settings"]["seed"]
    return f"after seed {seed}" if seed != "none" else "(the model chose the first note)"


# --------------------------------------------------------------------------- CLI


def _find_primer(path: str) -> Tune:
    from playground.music.midi_io import read_midi

    return read_midi(path)


def generate_music_cli(model, args) -> int:
    """``playground generate MUSIC_MODEL ...``: write MIDI / WAV, print a summary."""
    import json
    import sys

    from playground.music.midi_io import write_midi
    from playground.music.synth import render, write_wav

    primer_path = getattr(args, "primer", None)
    bars = getattr(args, "bars", None)
    result = generate_music(
        model,
        seed_pitch=args.seed if (args.seed is not None and not primer_path) else None,
        primer=_find_primer(primer_path) if primer_path else None,
        primer_bars=getattr(args, "primer_bars", None) or 2.0,
        length=None if bars is not None else args.length, bars=bars,
        temperature=args.temperature, top_k=args.top_k, top_p=args.top_p, random_seed=args.random_seed)
    summary = result.summary()
    if args.out:
        summary["midi"] = str(write_midi(result.tune(), args.out))
    if args.wav:
        audio = render(result.notes, tempo_bpm=result.tempo_bpm)
        summary["wav"] = str(write_wav(audio, args.wav))
    if args.json:
        summary["tokens"] = result.generated_tokens
        summary["notes"] = [[n.pitch, n.start, n.duration, n.track] for n in result.notes]
        print(json.dumps(summary, indent=2))
        return 0
    print(f"generated {summary['generated_notes']} notes ({bars_text(summary)}, {summary['generated_tokens']} "
          f"tokens, {result.info.encoding} encoding) {start_text(summary)} in {result.seconds:.2f}s")
    gr = summary["generated_pitch_range"]
    lo, hi = result.info.pitch_range
    print(f"pitches {gr[0] if gr else '-'}..{gr[1] if gr else '-'} (training range {lo}..{hi}); "
          f"pitch-class distance to the training music {summary['pitch_class_distance']}")
    for key in ("midi", "wav"):
        if key in summary:
            print(f"wrote {summary[key]}")
    if not args.out and not args.wav:
        print(" ".join(result.primer_tokens + result.generated_tokens))
        print("note: add --out tune.mid (and --wav tune.wav) to save it", file=sys.stderr)
    return 0


__all__ = [
    "CONTEXT_STEPS",
    "GeneratedMusic",
    "MusicGenerationError",
    "MusicModelInfo",
    "fold_into_range",
    "generate_music",
    "generate_music_cli",
    "parse_pitch",
    "pitch_name",
]
