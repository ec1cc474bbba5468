"""An org's own content detectors (docs/content-detectors.md, "An org's own detectors"), compiled and run beside
the built-in table: the twin of core's packages/core/src/content/org-detector-scan.ts (``compileOrgDetectors``).

Each detector's RE2 pattern runs on gatehouse._re2's linear-time matcher, never on Python's backtracking ``re``.
Keywords gate a detector (the text lowercased holds one of them); a ``luhn`` or ``iban`` checksum is checked on each
match; empty matches are skipped. A pattern the matcher cannot match exactly as re2js does (a Unicode class, ``\\pL``)
is left out of this process's screen, with one warning naming the detector: the server still screens what it sees.
"""

from __future__ import annotations

import re
import threading
import warnings
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Final

from ._re2 import Re2, Unsupported
from ._validators import code_points, iban_valid, luhn_valid

__all__ = ["OrgDetectorScan", "OrgDetectorWarning", "compile_org_detectors"]


class OrgDetectorWarning(UserWarning):
    """An org's content detector this process's screen cannot run (or could not read): it screens on without it."""


_NOT_DIGIT: Final = re.compile(r"[^0-9]")


def _luhn(value: str) -> bool:
    digits = _NOT_DIGIT.sub("", value)
    return len(digits) >= 2 and luhn_valid(digits)


def _iban(value: str) -> bool:
    return iban_valid(code_points(value).upper())


_CHECKS: Final[Mapping[str, Callable[[str], bool]]] = {"luhn": _luhn, "iban": _iban}

# One finding as the screen keeps it: detector name, class, start, end (UTF-16 code units).
Found = tuple[str, str, int, int]

_refused: set[tuple[str, str]] = set()
_refused_lock = threading.Lock()


def _warn_once(name: str, pattern: str, why: str) -> None:
    with _refused_lock:
        if (name, pattern) in _refused:
            return
        _refused.add((name, pattern))
    warnings.warn(
        f"Gatehouse: the org's content detector {name!r} is left out of this process's screen: its pattern {why} "
        "(the Python screen matches RE2 exactly as the server does, or not at all; docs/guardrails.md, Limits)",
        OrgDetectorWarning,
        stacklevel=2,
    )


class _Compiled:
    __slots__ = ("name", "kind", "regex", "keywords", "check")

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.name = str(spec["name"])
        self.kind = str(spec["class"])
        self.regex = Re2(str(spec["pattern"]))
        self.keywords = tuple(str(keyword).lower() for keyword in spec.get("keywords") or ())
        checksum = spec.get("checksum")
        self.check = _CHECKS[checksum] if checksum is not None else None


class OrgDetectorScan:
    """An org's detectors, compiled once: ``find`` answers every validated match, in detector order."""

    def __init__(self, compiled: Sequence[_Compiled]) -> None:
        self._compiled = tuple(compiled)

    @property
    def size(self) -> int:
        return len(self._compiled)

    @property
    def names(self) -> list[str]:
        return [detector.name for detector in self._compiled]

    def find(self, text: str, classes: Collection[str] | None) -> list[Found]:
        """Every non-empty, validated match in ``text`` (UTF-16 code units) of the detectors of ``classes`` (all when None)."""
        found: list[Found] = []
        lower: str | None = None
        for detector in self._compiled:
            if classes is not None and detector.kind not in classes:
                continue
            if detector.keywords:
                if lower is None:
                    lower = code_points(text).lower()
                if not any(keyword in lower for keyword in detector.keywords):
                    continue
            for start, end in detector.regex.find_all(text):
                if end <= start:
                    continue
                if detector.check is not None and not detector.check(text[start:end]):
                    continue
                found.append((detector.name, detector.kind, start, end))
        return found


def compile_org_detectors(specs: Sequence[Mapping[str, Any]]) -> OrgDetectorScan:
    """The detectors of ``content_detectors()`` compiled for the screen. A detector whose definition is not one this
    SDK knows (its class or checksum), or whose pattern the matcher refuses, is left out with a one-time warning."""
    compiled: list[_Compiled] = []
    for spec in specs:
        name = str(spec.get("name", "?"))
        pattern = spec.get("pattern")
        if spec.get("class") not in ("secrets", "personalData") or spec.get("checksum") not in (None, *_CHECKS) or not isinstance(pattern, str):
            _warn_once(name, str(pattern), "comes with a class or checksum this SDK does not know")
            continue
        try:
            compiled.append(_Compiled(spec))
        except Unsupported as error:
            _warn_once(name, pattern, f"is not one it can run ({error})")
    return OrgDetectorScan(compiled)
