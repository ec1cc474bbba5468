"""An org's own content detectors (docs/content-detectors.md, "An org's own detectors") in this process's screen.

Their patterns are an admin's to read, never an agent's: a literal pattern spells the very value it guards (ADR 0038,
amended). So an agent learns only their names and classes (``GET /v1/content/detectors/screen``), and the texts a
screen would show them go to ``POST /v1/scan``, where they run, nothing stored. A screen is run twice: once with a
``NotingScan``, which notes each text and finds nothing, then, once those texts are scanned, with a ``ScannedTexts``,
which answers their findings (and refuses a text it was not asked about, rather than answer "nothing found"). The twin
of ``orgScanFor`` in ``@gatehouse/sdk/model-call``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol

from ._validators import code_points

__all__ = ["NotingScan", "OrgDetectorScan", "OrgDetectorWarning", "ScannedTexts", "listed_names", "own_findings"]

# One finding as the screen keeps it: detector name, class, start, end (UTF-16 code units).
Found = tuple[str, str, int, int]


class OrgDetectorWarning(UserWarning):
    """The org's content detectors could not be listed: this process's screens run the built-in table alone."""


class OrgDetectorScan(Protocol):
    """What the screen asks of the org's detectors: how many there are, and their findings in a text (in UTF-16 code units)."""

    @property
    def size(self) -> int: ...

    def find(self, text: str, classes: Collection[str] | None) -> list[Found]: ...


class NotingScan:
    """Notes every text a screen shows the org's detectors, and finds nothing in it."""

    def __init__(self, size: int) -> None:
        self._size = size
        self.texts: dict[str, None] = {}

    @property
    def size(self) -> int:
        return self._size

    def find(self, text: str, classes: Collection[str] | None) -> list[Found]:
        self.texts[text] = None
        return []

    def to_scan(self) -> list[str]:
        """The noted texts as ``POST /v1/scan`` takes them (characters, not code units), in the order noted."""
        return [code_points(text) for text in self.texts]


class ScannedTexts:
    """The org's detectors' findings in the texts a ``NotingScan`` noted, as Gatehouse's scan answered them."""

    def __init__(self, size: int, found: Mapping[str, list[Found]]) -> None:
        self._size = size
        self._found = dict(found)

    @property
    def size(self) -> int:
        return self._size

    def find(self, text: str, classes: Collection[str] | None) -> list[Found]:
        hits = self._found.get(text)
        if hits is None:
            raise LookupError("the org's detectors were not asked about this text")
        return hits if classes is None else [hit for hit in hits if hit[1] in classes]


def own_findings(answer: Mapping[str, Any], own: Collection[str]) -> list[Found]:
    """The findings of the org's detectors (by name, ``own``) in one text's scan; a scan cut short raises (nothing may
    pass as unfound)."""
    if answer.get("truncated"):
        raise ValueError("a text holds more findings than one scan answers: send less at once")
    found: list[Found] = []
    for finding in answer.get("findings") or ():
        if not isinstance(finding, Mapping) or finding.get("detector") not in own:
            continue
        start, end = finding.get("start"), finding.get("end")
        if isinstance(start, int) and isinstance(end, int):
            found.append((str(finding["detector"]), str(finding["class"]), start, end))
    return found


def listed_names(answer: Mapping[str, Any]) -> Sequence[str]:
    """The names in ``GET /v1/content/detectors/screen``'s answer; raises when it holds no list."""
    detectors = answer.get("detectors")
    if not isinstance(detectors, list):
        raise TypeError("the answer has no list of detectors")
    return [str(detector["name"]) for detector in detectors if isinstance(detector, Mapping) and "name" in detector]
