"""Generate the built-in MIDI corpus in assets/midi/ ("midi:sample").

24 short, original, folk-like tunes, fully determined by their index (seeded),
so re-running the script reproduces the same files byte for byte:

* keys: C, G, D, F major and A, E, D minor (harmonic-minor leading tone over V);
* meters: 4/4 (reels), 3/4 (waltzes), 6/8 (jigs); forms A A' (8 bars),
  A B A' (12 bars) or A A' B A' (16 bars), one chord per bar;
* melody (track 0): rhythmic motifs repeated across bars, chord tones on
  strong beats, stepwise motion in between, melodic sequences, half cadence
  on V at the end of A and B, full cadence on the tonic at the end of A';
* accompaniment (track 1, channel 1): bass + "oom-pah" chords, always below
  the melody, which never rests -- so the skyline top voice is the melody.

Usage: python tools/make_builtin_midi.py [--out assets/midi]
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from playground.music.midi_io import write_midi  # noqa: E402
from playground.music.notes import Note, Tune  # noqa: E402

MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)
KEYS = [  # (name, tonic MIDI pitch, scale)
    ("c_major", 60, MAJOR),
    ("g_major", 67, MAJOR),
    ("a_minor", 69, MINOR),
    ("d_major", 62, MAJOR),
    ("e_minor", 64, MINOR),
    ("f_major", 65, MAJOR),
    ("d_minor", 62, MINOR),
]
# Chord roots as scale degrees per bar (0 = I). A and B end on V; A' is A's first half + V-I.
PROGRESSIONS = {
    MAJOR: {"A": [[0, 3, 0, 4], [0, 5, 3, 4], [0, 4, 5, 4]], "B": [[3, 0, 1, 4], [5, 3, 0, 4]]},
    MINOR: {"A": [[0, 3, 0, 4], [0, 5, 3, 4], [0, 6, 2, 4]], "B": [[2, 6, 3, 4], [5, 2, 3, 4]]},
}
METERS = {  # time signature, beats per bar, strong beats, rhythm motifs, cadence rhythms, kind, tempo range
    (4, 4): dict(bar=4.0, strong=(0.0, 2.0), kind="reel", tempo=(100, 132),
                 motifs=[[1, 1, 1, 1], [1.5, 0.5, 1, 1], [0.5, 0.5, 1, 0.5, 0.5, 1], [1, 0.5, 0.5, 1, 1],
                         [0.5] * 8, [0.5, 0.5, 0.5, 0.5, 1, 1]],
                 cadences=[[2, 2], [1, 1, 2], [4]]),
    (3, 4): dict(bar=3.0, strong=(0.0,), kind="waltz", tempo=(88, 120),
                 motifs=[[1, 1, 1], [1.5, 0.5, 1], [1, 0.5, 0.5, 1], [0.5, 0.5, 1, 1], [2, 1]],
                 cadences=[[2, 1], [3]]),
    (6, 8): dict(bar=3.0, strong=(0.0, 1.5), kind="jig", tempo=(96, 126),
                 motifs=[[0.5] * 6, [1, 0.5, 1, 0.5], [1, 0.5, 0.5, 0.5, 0.5], [1.5, 1, 0.5]],
                 cadences=[[1.5, 1.5], [1, 0.5, 1.5], [3]]),
}
ORDER = [(4, 4), (3, 4), (6, 8)]
N_TUNES = 24


class Key:
    """Scale-degree arithmetic for one key (degree 0 = tonic, 7 = tonic an octave up)."""

    def __init__(self, tonic: int, scale: tuple[int, ...]) -> None:
        self.tonic, self.scale = tonic, scale
        # Melody degrees whose pitch stays within 60..81 (above the accompaniment).
        self.degrees = [d for d in range(-5, 14) if 60 <= self.pitch(d, 0) <= 81 and 60 <= self.pitch(d, 4)]

    def pitch(self, degree: int, chord: int) -> int:
        """MIDI pitch of a degree; in minor the 7th is raised over V (harmonic minor)."""
        p = self.tonic + 12 * (degree // 7) + self.scale[degree % 7]
        if self.scale is MINOR and chord % 7 == 4 and degree % 7 == 6:
            p += 1
        return p

    def chord_tones(self, chord: int) -> list[int]:
        return [d for d in self.degrees if (d - chord) % 7 in (0, 2, 4)]


def nearest(rng: random.Random, options: list[int], prev: int, spread: int = 2) -> int:
    """One of the ``spread`` options closest to ``prev`` (closer ones likelier)."""
    ranked = sorted(options, key=lambda d: (abs(d - prev), d))[:spread]
    return ranked[0] if len(ranked) == 1 or rng.random() < 0.65 else ranked[1]


def make_bar(rng, key, chord, rhythm, prev, strong, target=None):
    """Scale degrees for one bar: chord tones on strong beats, steps elsewhere."""
    lo, hi = key.degrees[0], key.degrees[-1]
    mid = (lo + hi) // 2
    degs, pos = [], 0.0
    for i, dur in enumerate(rhythm):
        if i == len(rhythm) - 1 and target is not None:
            d = nearest(rng, [x for x in key.degrees if x % 7 == target % 7], prev, 1)
        elif pos in strong:
            d = nearest(rng, key.chord_tones(chord), prev)
        else:
            step = rng.choice([-2, -1, -1, 1, 1, 2, 0])
            if prev + step > mid + 4 or prev + step < mid - 4:
                step = -step  # lean back towards the middle of the range
            d = min(max(prev + step, lo), hi)
        degs.append(d)
        prev, pos = d, pos + dur
    return degs


def make_phrase(rng, key, chords, motifs, cadence, strong, prev, target, copy_from=None):
    """Four bars: motif rhythms, bar 3 a sequence of bar 1, cadence rhythm to ``target``."""
    rhythms = [motifs[0], motifs[1], motifs[0], cadence]
    bars = []
    for b, (chord, rhythm) in enumerate(zip(chords, rhythms)):
        if copy_from is not None and b < 2:
            degs = copy_from[b]  # A' restates the opening of A
        elif b == 2 and bars and rng.random() < 0.6:
            first = bars[0]
            shift = nearest(rng, key.chord_tones(chord), first[0], 1) - first[0]
            degs = [d + shift for d in first]
            if not all(d in key.degrees for d in degs):
                degs = make_bar(rng, key, chord, rhythm, prev, strong)
        else:
            degs = make_bar(rng, key, chord, rhythm, prev, strong, target if b == 3 else None)
        bars.append(degs)
        prev = degs[-1]
    return bars, rhythms


def make_tune(index: int) -> Tune:
    """The index-th built-in tune (deterministic)."""
    rng = random.Random(7919 * (index + 1))
    sig = ORDER[index % 3]
    meter = METERS[sig]
    key_name, tonic, scale = KEYS[index % len(KEYS)]
    key = Key(tonic, scale)
    forms = (["A", "A2"], ["A", "B", "A2"], ["A", "A2", "B", "A2"])
    form = forms[(index // 3 + index) % 3]  # every meter gets every form
    motifs = rng.sample(meter["motifs"], 2)
    b_motifs = rng.sample(meter["motifs"], 2)
    cadence = rng.choice(meter["cadences"])
    progs = {part: rng.choice(PROGRESSIONS[scale][part]) for part in ("A", "B")}
    progs["A2"] = progs["A"][:2] + [4, 0]  # same opening as A (its melody is restated), then V-I

    melody, accomp = [], []
    prev = nearest(rng, key.chord_tones(0), 4, 3)
    phrases: dict[str, tuple] = {}
    bar_no = 0
    for part in form:
        if part in phrases and part == "A2":
            bars, rhythms = phrases[part]  # literal repeat: the form's refrain
        else:
            target = 0 if part == "A2" else 4
            copy_from = phrases["A"][0] if part == "A2" and "A" in phrases else None
            m = b_motifs if part == "B" else motifs
            bars, rhythms = make_phrase(rng, key, progs[part], m, cadence, meter["strong"], prev, target, copy_from)
            phrases[part] = (bars, rhythms)
        for chord, degs, rhythm in zip(progs[part], bars, rhythms):
            t0 = bar_no * meter["bar"]
            pos = 0.0
            for d, dur in zip(degs, rhythm):
                accent = 92 if pos == 0 else (84 if pos in meter["strong"] else 74)
                vel = accent + rng.randint(-4, 4)
                melody.append(Note(key.pitch(d, chord), t0 + pos, dur, vel, 0, 0))
                pos += dur
            accomp.extend(oom_pah(key, chord, t0, sig, meter["bar"]))
            bar_no += 1
        prev = bars[-1][-1]
    tempo = rng.randint(*meter["tempo"])
    name = f"{index + 1:02d}_{key_name}_{meter['kind']}"
    return Tune(name=name, notes=melody + accomp, tempo_bpm=float(tempo), time_signature=sig)


def oom_pah(key: Key, chord: int, t0: float, sig: tuple[int, int], bar: float) -> list[Note]:
    """Bass on the downbeat(s), a close triad (48..59) on the off-beats; channel 1, track 1."""
    pcs = [key.pitch(chord + k, chord) % 12 for k in (0, 2, 4)]
    triad = sorted(48 + (pc - 48) % 12 for pc in pcs)
    bass = 36 + (pcs[0] - 36) % 12
    if sig == (4, 4):
        hits = [(0.0, True, 1.0), (1.0, False, 1.0), (2.0, True, 1.0), (3.0, False, 1.0)]
    elif sig == (3, 4):
        hits = [(0.0, True, 1.0), (1.0, False, 1.0), (2.0, False, 1.0)]
    else:  # 6/8: bass on 1, chord on 4 (dotted-quarter pulse)
        hits = [(0.0, True, 1.5), (1.5, False, 1.5)]
    notes = []
    for pos, is_bass, dur in hits:
        for p in [bass] if is_bass else triad:
            notes.append(Note(p, t0 + pos, dur, 64 if is_bass else 52, 1, 1))
    return notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "assets" / "midi", help="output folder")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for i in range(N_TUNES):
        tune = make_tune(i)
        path = write_midi(tune, args.out / f"{tune.name}.mid", program=0)
        print(f"{path.name}: {tune.bars():.0f} bars {tune.time_signature[0]}/{tune.time_signature[1]}, "
              f"{len(tune.notes)} notes, {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
