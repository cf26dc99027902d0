"""Tests for playground.data.tasks: built-in generated tasks."""

import datetime
import json
import re

import pytest

from playground.data.tasks import BUILTIN_TASKS, MAX_NUMBER, TaskSpec, describe_tasks, generate_task, number_to_words

EXPECTED_TASKS = {"digits:copy", "digits:reverse", "digits:sort", "digits:add", "numbers:words", "dates:iso"}


def test_registry():
    assert set(BUILTIN_TASKS) == EXPECTED_TASKS
    for name, spec in BUILTIN_TASKS.items():
        assert isinstance(spec, TaskSpec) and spec.name == name
        assert spec.kind == "pairs" and spec.level == "char" and spec.default_size > 0
    listed = describe_tasks()
    assert {d["name"] for d in listed} == EXPECTED_TASKS
    assert all({"name", "kind", "description"} <= set(d) for d in listed)
    json.dumps(listed)


def test_spec_is_frozen():
    with pytest.raises(Exception):
        BUILTIN_TASKS["digits:copy"].default_size = 1


def test_unknown_task_lists_valid_names():
    with pytest.raises(ValueError, match="digits:reverse.*dates:iso"):
        generate_task("digits:multiply")


@pytest.mark.parametrize("name", sorted(EXPECTED_TASKS))
def test_default_size_unique_sources_and_determinism(name):
    pairs = generate_task(name, seed=3)
    assert len(pairs) == BUILTIN_TASKS[name].default_size
    assert len({source for source, _ in pairs}) == len(pairs)
    assert generate_task(name, seed=3) == pairs
    assert generate_task(name, seed=4) != pairs
    assert generate_task(name, 50, seed=3) == generate_task(name, 50, seed=3)


def test_digit_tasks_examples_and_lengths():
    for source, target in generate_task("digits:copy", 500):
        assert source == target and source.isdigit() and 1 <= len(source) <= 10
    for source, target in generate_task("digits:reverse", 500):
        assert target == source[::-1]
    for source, target in generate_task("digits:sort", 500):
        assert target == "".join(sorted(source))
    lengths = {len(s) for s, _ in generate_task("digits:copy", 2000)}
    assert lengths == set(range(1, 11))


def test_spec_examples():
    assert "51413" in BUILTIN_TASKS["digits:reverse"].description
    assert "31415"[::-1] == "51413" and "".join(sorted("31415")) == "11345"
    # the generators solve the same way as the spec's examples
    reverse = dict(generate_task("digits:reverse", n=100_000, min_length=5, max_length=5))
    assert reverse["31415"] == "51413"
    sorted_pairs = dict(generate_task("digits:sort", n=100_000, min_length=5, max_length=5))
    assert sorted_pairs["31415"] == "11345"


def test_length_parameters():
    pairs = generate_task("digits:reverse", 300, min_length=3, max_length=4)
    assert {len(s) for s, _ in pairs} == {3, 4}
    with pytest.raises(ValueError, match="min_length"):
        generate_task("digits:copy", 10, min_length=5, max_length=2)
    with pytest.raises(ValueError, match="min_length"):
        generate_task("digits:copy", 10, min_length=0)
    with pytest.raises(ValueError, match="no length"):
        generate_task("dates:iso", 10, max_length=5)


def test_n_above_capacity_returns_everything():
    pairs = generate_task("digits:copy", 1000, min_length=1, max_length=2)
    assert len(pairs) == 110
    assert {s for s, _ in pairs} == {str(i) for i in range(10)} | {f"{i:02d}" for i in range(100)}
    adds = generate_task("digits:add", 10_000, min_length=1, max_length=1)
    assert len(adds) == 100


def test_n_close_to_capacity_is_exact():
    pairs = generate_task("digits:copy", 1100, min_length=1, max_length=3, seed=1)
    assert len(pairs) == 1100 and len({s for s, _ in pairs}) == 1100


def test_addition():
    for source, target in generate_task("digits:add", 1000):
        a, b = source.split("+")
        assert 1 <= len(a) <= 4 and 1 <= len(b) <= 4
        assert not (len(a) > 1 and a.startswith("0"))
        assert int(target) == int(a) + int(b)
    # every pair of 1-digit operands: the whole space, including "1+2" -> "3"
    everything = dict(generate_task("digits:add", 1000, min_length=1, max_length=1))
    assert len(everything) == 100 and everything["9+9"] == "18" and everything["0+7"] == "7"
    assert BUILTIN_TASKS["digits:add"].description.endswith('"123+45" -> "168"')


@pytest.mark.parametrize(
    "number, words",
    [
        (0, "zero"),
        (7, "seven"),
        (13, "thirteen"),
        (21, "twenty-one"),
        (40, "forty"),
        (100, "one hundred"),
        (101, "one hundred one"),
        (125, "one hundred twenty-five"),
        (1000, "one thousand"),
        (1234, "one thousand two hundred thirty-four"),
        (20_019, "twenty thousand nineteen"),
        (100_000, "one hundred thousand"),
        (999_999, "nine hundred ninety-nine thousand nine hundred ninety-nine"),
    ],
)
def test_number_to_words(number, words):
    assert number_to_words(number) == words


def test_number_to_words_limits():
    assert MAX_NUMBER == 999_999
    for bad in (1_000_000, 1_234_567, -1):
        with pytest.raises(ValueError, match="999,999"):
            number_to_words(bad)


def test_numbers_task_mixes_both_forms():
    pairs = generate_task("numbers:words", 2000)
    digit_lists = [(s, t) for s, t in pairs if " " in s]
    whole = [(s, t) for s, t in pairs if " " not in s]
    assert len(digit_lists) > 500 and len(whole) > 500
    names = "zero one two three four five six seven eight nine".split()
    for source, target in digit_lists:
        assert target == " ".join(names[int(d)] for d in source.split())
    for source, target in whole:
        assert 0 <= int(source) <= MAX_NUMBER
        assert target == number_to_words(int(source))
        assert " and " not in target
    everything = dict(generate_task("numbers:words", 10**7, min_length=1, max_length=3))
    assert len(everything) == 1110 + 1000 - 10  # "7" is both a one-digit list and a number
    assert everything["125"] == "one hundred twenty-five" and everything["1 2 3"] == "one two three"


def parse_human_date(text: str) -> datetime.date:
    """Independent parser for the documented date formats (English names)."""
    months = {m.lower(): i for i, m in enumerate(
        "january february march april may june july august september october november december".split(), 1)}
    months.update({name[:3]: i for name, i in list(months.items())})
    text = text.lower().replace(",", "")
    text = re.sub(r"^(monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun) ", "", text)
    if m := re.fullmatch(r"(\d{4})/(\d\d)/(\d\d)", text):
        return datetime.date(int(m[1]), int(m[2]), int(m[3]))
    if m := re.fullmatch(r"(\d\d?)[/-](\d\d?)[/-](\d{4})", text):
        return datetime.date(int(m[3]), int(m[2]), int(m[1]))
    if m := re.fullmatch(r"(\d\d)\.(\d\d)\.(\d\d)", text):
        year = int(m[3])
        return datetime.date(1900 + year if year >= 50 else 2000 + year, int(m[2]), int(m[1]))
    if m := re.fullmatch(r"(\d\d?)(?:st|nd|rd|th)? (?:of )?([a-z]+) (\d{4})", text):
        return datetime.date(int(m[3]), months[m[2]], int(m[1]))
    if m := re.fullmatch(r"([a-z]+) (\d\d?) (\d{4})", text):
        return datetime.date(int(m[3]), months[m[1]], int(m[2]))
    raise AssertionError(f"unparsed date format: {text!r}")


def test_dates_targets_are_iso_and_sources_denote_them():
    pairs = generate_task("dates:iso", 3000, seed=7)
    for source, target in pairs:
        date = datetime.date.fromisoformat(target)
        assert datetime.date(1950, 1, 1) <= date <= datetime.date(2049, 12, 31)
        assert parse_human_date(source) == date, source


def test_dates_weekdays_are_correct():
    weekdays = "monday tuesday wednesday thursday friday saturday sunday".split()
    checked = 0
    for source, target in generate_task("dates:iso", 3000, seed=1):
        first = source.split()[0].rstrip(",").lower()
        if first in weekdays or first in [d[:3] for d in weekdays]:
            assert weekdays[datetime.date.fromisoformat(target).weekday()].startswith(first), source
            checked += 1
    assert checked > 200


def test_dates_have_many_formats_and_cover_leap_days():
    pairs = generate_task("dates:iso", 10**7)  # all of them
    assert len(pairs) >= 36524 * 8
    sources = dict(pairs)
    for source in ("25 Nov 2026", "November 25, 2026", "25/11/2026", "Wednesday 25 November 2026",
                   "nov 25 2026", "25.11.26", "2026/11/25", "25th of November 2026"):
        assert sources[source] == "2026-11-25"
    assert sources["29th of February 2000"] == "2000-02-29"
    assert "29th of February 1900" not in sources and "29th of February 2100" not in sources
    assert "29/02/2023" not in sources and "31/04/2024" not in sources
    assert sources["1st of January 1950"] == "1950-01-01" and sources["31/12/2049"] == "2049-12-31"
