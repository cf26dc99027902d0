"""Built-in generated tasks: small, exact problems that need no download.

Each task draws random source strings and computes the target with plain
Python, so the data is always correct and the same seed always gives the
same list. Sources are unique within a list; together with the splitter
(which keeps identical sources in one split) a held-out example is never
seen in training.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

_DIGITS = "0123456789"


@dataclass(frozen=True)
class TaskSpec:
    """What a built-in task is, for the CLI/GUI dataset lists."""

    name: str  # registry key, e.g. "digits:reverse"
    kind: str  # always "pairs" for now (source -> target strings)
    description: str  # one line with an example, shown to users
    level: str  # natural token level for the task ("char")
    default_size: int  # number of pairs generated when n is not given
    default_min_length: int | None = None  # shortest source by default (digits/operand digits); None: not applicable
    default_max_length: int | None = None  # longest source by default; None: not applicable


BUILTIN_TASKS: dict[str, TaskSpec] = {
    spec.name: spec
    for spec in (
        TaskSpec("digits:copy", "pairs", 'copy a digit string: "31415" -> "31415"', "char", 10000, 1, 10),
        TaskSpec("digits:reverse", "pairs", 'reverse a digit string: "31415" -> "51413"', "char", 10000, 1, 10),
        TaskSpec("digits:sort", "pairs", 'sort the digits: "31415" -> "11345"', "char", 10000, 1, 10),
        TaskSpec("digits:add", "pairs", 'add two numbers: "123+45" -> "168"', "char", 40000, 1, 3),
        TaskSpec(
            "numbers:words",
            "pairs",
            'spell numbers in English: "1 2 3" -> "one two three", "125" -> "one hundred twenty-five"',
            "char",
            10000,
            1,
            6,
        ),
        TaskSpec(
            "dates:iso",
            "pairs",
            'human dates (1950-2049) to ISO: "25th of November 2026" -> "2026-11-25"',
            "char",
            20000,  # rare forms (days 1-3 written without a zero) need the extra examples
        ),
    )
}

# --- number words ---------------------------------------------------------

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
#: Largest whole number ``number_to_words`` spells.
MAX_NUMBER = 999_999


def _below_thousand(number: int) -> str:
    """Spell 1..999 (US style: no "and", hyphenated 21-99)."""
    hundreds, rest = divmod(number, 100)
    words = [f"{_ONES[hundreds]} hundred"] if hundreds else []
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        words.append(_TENS[tens] + (f"-{_ONES[ones]}" if ones else ""))
    elif rest:
        words.append(_ONES[rest])
    return " ".join(words)


def number_to_words(number: int) -> str:
    """Spell 0..999,999 in standard US English: 1234 -> "one thousand two hundred thirty-four"."""
    if not 0 <= number <= MAX_NUMBER:
        raise ValueError(f"number_to_words handles 0..{MAX_NUMBER:,}, got {number:,}")
    if number == 0:
        return "zero"
    thousands, rest = divmod(number, 1000)
    words = [f"{_below_thousand(thousands)} thousand"] if thousands else []
    if rest:
        words.append(_below_thousand(rest))
    return " ".join(words)


# --- dates ---------------------------------------------------------------

_MONTHS = "January February March April May June July August September October November December".split()
_WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
_FIRST_DATE = datetime.date(1950, 1, 1)
_LAST_DATE = datetime.date(2049, 12, 31)


def _ordinal(day: int) -> str:
    """1 -> "1st", 12 -> "12th", 22 -> "22nd"."""
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


# Each format renders a date without ambiguity (day-first numeric forms only;
# two-digit years are unambiguous inside the 1950-2049 window).
_DATE_FORMATS: tuple[Callable[[datetime.date], str], ...] = (
    lambda d: f"{d.day} {_MONTHS[d.month - 1][:3]} {d.year}",  # 25 Nov 2026
    lambda d: f"{_MONTHS[d.month - 1]} {d.day}, {d.year}",  # November 25, 2026
    lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",  # 25/11/2026
    lambda d: f"{_WEEKDAYS[d.weekday()]} {d.day} {_MONTHS[d.month - 1]} {d.year}",  # Wednesday 25 November 2026
    lambda d: f"{_MONTHS[d.month - 1][:3].lower()} {d.day} {d.year}",  # nov 25 2026
    lambda d: f"{d.day:02d}.{d.month:02d}.{d.year % 100:02d}",  # 25.11.26
    lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}",  # 2026/11/25
    lambda d: f"{_ordinal(d.day)} of {_MONTHS[d.month - 1]} {d.year}",  # 25th of November 2026
    lambda d: f"{_WEEKDAYS[d.weekday()][:3]}, {d.day} {_MONTHS[d.month - 1][:3]} {d.year}",  # Wed, 25 Nov 2026
    lambda d: f"{_WEEKDAYS[d.weekday()]}, {_MONTHS[d.month - 1]} {d.day}, {d.year}",  # Wednesday, November 25, 2026
    lambda d: f"{d.day} {_MONTHS[d.month - 1].upper()} {d.year}",  # 25 NOVEMBER 2026
    lambda d: f"{d.day}-{d.month}-{d.year}",  # 25-11-2026
)
_DAY_COUNT = (_LAST_DATE - _FIRST_DATE).days + 1


# --- generic sampling ----------------------------------------------------

Pair = tuple[str, str]


@dataclass(frozen=True)
class _Generator:
    """How to draw, count and enumerate the (source, target) pairs of one task."""

    draw: Callable[[np.random.Generator], Pair]  # one random pair
    capacity: int  # number of distinct sources
    enumerate_all: Callable[[], Iterator[Pair]]  # every distinct pair (used when n >= capacity)


def _random_digits(rng: np.random.Generator, length: int) -> str:
    """A random digit string of exactly ``length`` digits (leading zeros allowed)."""
    return "".join(_DIGITS[d] for d in rng.integers(0, 10, size=length))


def _random_number(rng: np.random.Generator, digits: int) -> int:
    """A random whole number with exactly ``digits`` digits (no leading zero)."""
    low = 0 if digits == 1 else 10 ** (digits - 1)
    return int(rng.integers(low, 10**digits))


def _numbers_with_digits(min_digits: int, max_digits: int) -> range:
    """All whole numbers with between min_digits and max_digits digits."""
    return range(0 if min_digits == 1 else 10 ** (min_digits - 1), 10**max_digits)


def _digit_strings(min_length: int, max_length: int) -> Iterator[str]:
    """All digit strings with lengths in [min_length, max_length]."""
    for length in range(min_length, max_length + 1):
        for value in range(10**length):
            yield str(value).zfill(length)


def _digit_task(solve: Callable[[str], str], lo: int, hi: int) -> _Generator:
    """Generator for copy/reverse/sort over digit strings."""

    def draw(rng: np.random.Generator) -> Pair:
        source = _random_digits(rng, int(rng.integers(lo, hi + 1)))
        return source, solve(source)

    return _Generator(
        draw=draw,
        capacity=sum(10**length for length in range(lo, hi + 1)),
        enumerate_all=lambda: ((s, solve(s)) for s in _digit_strings(lo, hi)),
    )


def _add_task(lo: int, hi: int) -> _Generator:
    """Generator for "a+b" with operands of lo..hi digits."""
    operands = _numbers_with_digits(lo, hi)

    def draw(rng: np.random.Generator) -> Pair:
        a = _random_number(rng, int(rng.integers(lo, hi + 1)))
        b = _random_number(rng, int(rng.integers(lo, hi + 1)))
        return f"{a}+{b}", str(a + b)

    return _Generator(
        draw=draw,
        capacity=len(operands) ** 2,
        enumerate_all=lambda: ((f"{a}+{b}", str(a + b)) for a in operands for b in operands),
    )


def _spell_digits(digits: str) -> str:
    """Spell digit by digit: "123" -> "one two three"."""
    return " ".join(_ONES[int(d)] for d in digits)


def _numbers_task(lo: int, hi: int) -> _Generator:
    """Generator mixing digit lists ("1 2 3") and whole numbers ("125")."""
    numbers = _numbers_with_digits(min(lo, 6), min(hi, 6))  # whole numbers stop at 999,999
    # A one-digit list "7" and the number "7" are the same source (same target).
    overlap = 10 if lo == 1 else 0

    def draw(rng: np.random.Generator) -> Pair:
        if rng.random() < 0.5:
            digits = _random_digits(rng, int(rng.integers(lo, hi + 1)))
            return " ".join(digits), _spell_digits(digits)
        number = _random_number(rng, int(rng.integers(min(lo, 6), min(hi, 6) + 1)))
        return str(number), number_to_words(number)

    def enumerate_all() -> Iterator[Pair]:
        for digits in _digit_strings(lo, hi):
            yield " ".join(digits), _spell_digits(digits)
        for number in numbers[overlap:]:
            yield str(number), number_to_words(number)

    capacity = sum(10**length for length in range(lo, hi + 1)) + len(numbers) - overlap
    return _Generator(draw, capacity, enumerate_all)


def _dates_task() -> _Generator:
    """Generator of human-written dates -> ISO dates."""

    def render(day_index: int, format_index: int) -> Pair:
        date = _FIRST_DATE + datetime.timedelta(days=day_index)
        return _DATE_FORMATS[format_index](date), date.isoformat()

    formats = len(_DATE_FORMATS)
    return _Generator(
        draw=lambda rng: render(int(rng.integers(0, _DAY_COUNT)), int(rng.integers(0, formats))),
        capacity=_DAY_COUNT * formats,
        enumerate_all=lambda: (render(d, f) for d in range(_DAY_COUNT) for f in range(formats)),
    )


# Longest allowed length setting per task (int64 sampling limits "digits:add").
_LENGTH_LIMITS = {"digits:add": 18}
_DEFAULT_LENGTH_LIMIT = 100


def _make_generator(spec: TaskSpec, lo: int, hi: int) -> _Generator:
    """Build the sampler for ``spec`` with the given length range."""
    if spec.name == "digits:copy":
        return _digit_task(lambda s: s, lo, hi)
    if spec.name == "digits:reverse":
        return _digit_task(lambda s: s[::-1], lo, hi)
    if spec.name == "digits:sort":
        return _digit_task(lambda s: "".join(sorted(s)), lo, hi)
    if spec.name == "digits:add":
        return _add_task(lo, hi)
    if spec.name == "numbers:words":
        return _numbers_task(lo, hi)
    return _dates_task()


def _is_count(value: object) -> bool:
    """True for Python or numpy integers, but not bools."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _resolve_lengths(spec: TaskSpec, min_length: int | None, max_length: int | None) -> tuple[int, int]:
    """Apply defaults and validate the length range for ``spec``."""
    if spec.default_min_length is None:
        if min_length is not None or max_length is not None:
            raise ValueError(f"task {spec.name!r} has no length setting; leave min_length/max_length unset")
        return 0, 0
    lo = spec.default_min_length if min_length is None else min_length
    hi = spec.default_max_length if max_length is None else max_length
    if min_length is not None and max_length is None and lo > hi:
        hi = lo  # only a minimum was given: widen the range instead of failing
    if not (_is_count(lo) and _is_count(hi) and 1 <= lo <= hi):
        raise ValueError(f"need 1 <= min_length <= max_length for {spec.name!r}, got {lo}..{hi}")
    lo, hi = int(lo), int(hi)
    limit = _LENGTH_LIMITS.get(spec.name, _DEFAULT_LENGTH_LIMIT)
    if hi > limit:
        raise ValueError(f"max_length for {spec.name!r} must be at most {limit}, got {hi}")
    return lo, hi


def generate_task(
    name: str,
    n: int | None = None,
    seed: int = 0,
    *,
    min_length: int | None = None,
    max_length: int | None = None,
) -> list[tuple[str, str]]:
    """Generate ``n`` unique (source, target) pairs of a built-in task.

    ``n`` defaults to the task's ``default_size``; when it exceeds the
    number of distinct sources, all of them are returned (shuffled). The
    same arguments always give the same list. Lengths count digits (digit
    strings, "digits:add" operands, "numbers:words" numbers and digit lists).
    """
    if name not in BUILTIN_TASKS:
        raise ValueError(f"unknown task {name!r}; valid tasks: {', '.join(BUILTIN_TASKS)}")
    spec = BUILTIN_TASKS[name]
    size = spec.default_size if n is None else n
    if not _is_count(size) or size < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    size = int(size)  # numpy integers from option files work too
    generator = _make_generator(spec, *_resolve_lengths(spec, min_length, max_length))
    rng = np.random.default_rng(seed)

    if size >= generator.capacity:
        everything = list(generator.enumerate_all())
        return [everything[i] for i in rng.permutation(len(everything))]

    # Rejection sampling keeps each task's natural length distribution; the
    # attempt cap only matters when n is close to the capacity.
    targets: dict[str, str] = {}  # source -> target, in first-drawn order
    attempts = 0
    max_attempts = 50 * size + 1000
    while len(targets) < size and attempts < max_attempts:
        source, target = generator.draw(rng)
        targets.setdefault(source, target)
        attempts += 1
    if len(targets) < size:
        missing = [pair for pair in generator.enumerate_all() if pair[0] not in targets]
        for i in rng.permutation(len(missing))[: size - len(targets)]:
            targets[missing[i][0]] = missing[i][1]
    return list(targets.items())


def describe_tasks() -> list[dict]:
    """JSON-able list of the built-in tasks (for ``playground datasets --json``)."""
    return [
        {
            "name": spec.name,
            "kind": spec.kind,
            "description": spec.description,
            "level": spec.level,
            "default_size": spec.default_size,
        }
        for spec in BUILTIN_TASKS.values()
    ]
