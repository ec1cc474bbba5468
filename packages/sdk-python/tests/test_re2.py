"""The Python matcher of an org's own content detectors (gatehouse._re2) against re2js, the engine the TypeScript
screen runs them with: every pattern of scripts/re2-python.ts's corpus, over its texts, finds exactly the matches
re2js's ``matcher(text).find()`` loop finds (UTF-16 offsets). And it runs in linear time: its work is counted in
instructions visited, never in seconds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gatehouse._re2 import Re2, Unsupported
from gatehouse._validators import units

VECTORS: list[dict[str, Any]] = json.loads((Path(__file__).parent / "fixtures" / "re2-vectors.json").read_text())["cases"]


def test_the_corpus_is_broad() -> None:
    assert len(VECTORS) >= 500


@pytest.mark.parametrize("case", VECTORS, ids=[case["pattern"] for case in VECTORS])
def test_matches_equal_re2js(case: dict[str, Any]) -> None:
    regex = Re2(case["pattern"])
    for text, expected in zip(case["texts"], case["matches"], strict=True):
        assert [list(found) for found in regex.find_all(units(text))] == expected, text


@pytest.mark.parametrize("pattern", [r"\pL", r"\p{Greek}", r"[\PN]", r"\p{^Lu}", "(?=a)", "(?<=a)b", r"a\1", r"\C", "a**", "(a", "[a", "x{1001}", r"\8", r"\Z"])
def test_what_it_cannot_match_as_re2js_does_is_refused(pattern: str) -> None:
    with pytest.raises(Unsupported):
        Re2(pattern)


@pytest.mark.parametrize("pattern", ["(a+)+$", "(a|aa)*b", "(a*)*b", "(?:a?){30}a{30}", "(x+x+)+y"])
def test_a_pathological_pattern_costs_text_length_times_program_size(pattern: str) -> None:
    regex = Re2(pattern)
    for length in (1_000, 4_000):
        regex.steps = 0
        text = "a" * length + "!"
        found = list(regex.find_all(text))
        # Each search walks the text once at most, visiting each instruction at most twice per character; the find
        # loop never searches the same text twice (no match here, or matches that consume it).
        assert regex.steps <= 4 * (len(text) + 1) * regex.size, (length, regex.steps)
        assert all(end <= len(text) for _, end in found)
