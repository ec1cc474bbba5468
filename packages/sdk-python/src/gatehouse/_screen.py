"""The screen of a model call, in the caller's process (docs/guardrails.md): the Python twin of core's
packages/core/src/content/detectors.ts (``find_in_text``), screen-content.ts (``screen_content``),
instruction-rules.ts (``find_instructions``) and model-traffic.ts (``find_in_value``, ``PlaceholderVault``,
``StreamRestorer``, ``redact_for_provider``, ``screen_answer``), answering what they answer.

The detector table is not written here: _content_table.py is generated from core's TypeScript table by
scripts/content-python.ts (one source), and _validators.py holds each validator's twin. What this module
adds is the engine, with the TypeScript engine's semantics:

- **Offsets are UTF-16 code units**, as in JavaScript: a text is scanned as JavaScript holds it (every
  character above U+FFFF as its surrogate pair, ``_validators.units``), so bounded runs count as JavaScript
  counts (an emoji is two units of ``{1,256}``), and ``find_in_text`` and ``find_instructions`` answer the
  offsets JavaScript answers. For a text with no character above U+FFFF units and code points are the same.
  ``utf16_slice(text, start, end)`` reads a finding's value.
- **The prefilter**: a detector's pattern runs on a text only when one of its keywords is in it (ASCII
  case-insensitive; every keyword found anywhere, as core's alternation scanned at every position with the
  "keyword contains keyword" closure finds them), a keyword-less personal-data rule when the longest run of
  digits (up to two of `` .-/()`` between two digits, counted to 13) reaches its gate, and the generic rule
  over every token when the JSON key the text sits under names a secret.
- **Where a pattern is tried**: the matches are those of ``finditer`` over the whole text, as core's are; a
  detector whose keyword stands at a known place in every match (``keyword_at``, read from the pattern by
  the generator) is tried only that far before each place of its keywords, and from the end of its last match
  (Python's engine, unlike JavaScript's, would try the pattern at every unit of the text); where its keywords
  are everywhere, and for the digit rules, the pattern runs over the whole text.
- **Overlaps**: sorted by earlier start, then the longer, then a secret before personal data, then table
  order; a finding that overlaps a kept one is dropped.
- **Walking values**: dicts, lists and tuples (a changed tuple comes back a tuple); any other object is
  left as it is. A dict's keys are visited in JavaScript's order (keys that are array indices, ``"0"``,
  ``"17"``, first and ascending, then the others as inserted), so findings come in the order TypeScript
  lists them, and a dict the screen copies has its keys in that order. A key that is not a ``str`` is
  neither screened nor renamed, and a path names it by ``str(key)``. A value nested deeper than Python's
  recursion limit raises ``RecursionError`` (the screen never lets such a value through unscreened).
- Short texts' findings are remembered (up to 4,096 texts of up to 256 units), as core's are; longer texts'
  too, up to as many units in all (a wrapped model call screens its prompt before and after its decision).
"""

from __future__ import annotations

import functools
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Generic, Literal, TypedDict, TypeVar, cast

from ._content_table import (
    CONTENT_KEY_MIN_LENGTH,
    CONTENT_MIN_LENGTH,
    DETECTORS,
    INSTRUCTION_RULES,
    KEY_HINTED_TOKEN,
    KEY_HINTED_TOKEN_FLAGS,
    MAX_FINDINGS,
    NOT_AUTH_WORD,
    NOT_SECRET_KEYS,
    NOT_SECRET_SUFFIX,
    SECRET_HINTS,
    ContentClass,
    Detector,
)
from ._org_detectors import OrgDetectorScan
from ._validators import VALIDATORS, code_points, units

__all__ = [
    "MAX_FINDINGS",
    "ContentAction",
    "ContentClass",
    "ContentFinding",
    "FindingClass",
    "InstructionFinding",
    "LocalFinding",
    "PlaceholderVault",
    "Screened",
    "StreamRestorer",
    "TextFinding",
    "content_placeholder",
    "detectors_to_run",
    "find_in_text",
    "find_in_value",
    "find_instructions",
    "format_issue_path",
    "key_names_secret",
    "longest_digit_run",
    "redact_for_provider",
    "screen_answer",
    "screen_content",
    "utf16_slice",
]

T = TypeVar("T")

FindingClass = Literal["secrets", "personalData", "instructions"]
ContentAction = Literal["deny", "redact", "flag", "off"]

#: A finding in a text: the detector, its class, and the UTF-16 offsets of the value (never the value).
TextFinding = TypedDict("TextFinding", {"detector": str, "class": ContentClass, "start": int, "end": int})
#: A finding of the caller's own screen, as the decision takes it (``screened``): detector, class, path.
LocalFinding = TypedDict("LocalFinding", {"detector": str, "class": FindingClass, "path": str})
#: A finding of ``screen_content``: detector, class, path, what was done, and its built-in detector's confidence.
_ContentFindingBase = TypedDict(
    "_ContentFindingBase",
    {"detector": str, "class": FindingClass, "path": str, "action": Literal["denied", "redacted", "flagged"]},
)


class ContentFinding(_ContentFindingBase, total=False):
    """A finding of ``screen_content``; ``confidence``: its built-in detector's (absent for an org's own)."""

    confidence: str


class InstructionFinding(TypedDict):
    """A phrase that reads as instructions aimed at the agent: its rule and UTF-16 offsets."""

    detector: str
    start: int
    end: int


def utf16_slice(text: str, start: int, end: int) -> str:
    """``text[start:end]`` counted in UTF-16 code units, as a finding's offsets are."""
    return code_points(units(text)[start:end])


# ── The table, as the scanner runs it ───────────────────────────────────────────────────────────


class _Compiled:
    """A detector as the scanner runs it: its place in the table (on a tie the earlier names the finding)."""

    __slots__ = ("detector", "order", "secret", "group", "validate", "keyword_at", "_source", "_flags", "_regex")

    def __init__(self, detector: Detector, order: int, source: str, flags: int, group: int, keyword_at: tuple[int, int] | None) -> None:
        self.detector = detector
        self.order = order
        self.secret = detector.content_class == "secrets"
        self.group = group
        self.validate = None if detector.validator is None else VALIDATORS[detector.validator]
        self.keyword_at = keyword_at
        self._source = source
        self._flags = flags
        self._regex: re.Pattern[str] | None = None

    @property
    def regex(self) -> re.Pattern[str]:
        # Compiled when first needed: most texts select a handful of the table's patterns.
        if self._regex is None:
            self._regex = re.compile(self._source, self._flags)
        return self._regex


_COMPILED: Final = tuple(
    _Compiled(detector, order, detector.pattern, detector.flags, detector.group, detector.keyword_at) for order, detector in enumerate(DETECTORS)
)
_HIGH_ENTROPY: Final = next(compiled for compiled in _COMPILED if compiled.detector.id == "high_entropy_secret")
#: The generic rule over every token of a value whose key names a secret: same id, order and test, no text hint.
_KEY_HINTED: Final = _Compiled(_HIGH_ENTROPY.detector, _HIGH_ENTROPY.order, KEY_HINTED_TOKEN, KEY_HINTED_TOKEN_FLAGS, 0, None)
_DIGIT_GATED: Final = tuple(compiled for compiled in _COMPILED if not compiled.detector.keywords)
_DIGIT_GATED_CLASSES: Final[frozenset[str]] = frozenset(compiled.detector.content_class for compiled in _DIGIT_GATED)
#: No digit rule needs a longer run than this, so the digit scan may stop there.
_DIGIT_CAP: Final = max((compiled.detector.min_digits for compiled in _DIGIT_GATED), default=0)

_KEYWORD_DETECTORS: Final[dict[str, tuple[int, ...]]] = {}
for _compiled in _COMPILED:
    for _keyword in _compiled.detector.keywords:
        _KEYWORD_DETECTORS[_keyword] = (*_KEYWORD_DETECTORS.get(_keyword, ()), _compiled.order)


#: Characters from the most common in ordinary text to the least (English letters by frequency, then digits and
#: punctuation): a keyword is looked for only when its rarest character is in the text.
_COMMON_FIRST: Final = " etaoinsrhldcumfpgwybv,.kx-j'qz0123456789\n\"():;_/=@$~#%&*+<>?[]\\^`{|}!"
_RARITY: Final = {character: rank for rank, character in enumerate(_COMMON_FIRST)}


@functools.lru_cache(maxsize=None)
def _keywords_of(classes: frozenset[str] | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The keywords of the detectors of ``classes`` (all when None), grouped by their rarest character: most
    texts lack the rarest characters of most keywords (`_`, `-`, digits), and a group is passed over in one
    look for its character, quicker than a search for each keyword."""
    groups: dict[str, list[str]] = {}
    for keyword, orders in _KEYWORD_DETECTORS.items():
        if any(classes is None or _COMPILED[order].detector.content_class in classes for order in orders):
            groups.setdefault(max(keyword, key=lambda character: _RARITY.get(character, len(_RARITY))), []).append(keyword)
    return tuple((character, tuple(keywords)) for character, keywords in groups.items())


_ASCII_UPPER: Final = {code: code + 32 for code in range(65, 91)}


def _ascii_lower(text: str) -> str:
    """Only A–Z lowered: JavaScript's case-insensitive match (no u flag) never folds a non-ASCII character
    to an ASCII one, as ``str.lower`` does (the Kelvin sign is ``k``)."""
    return text.lower() if text.isascii() else text.translate(_ASCII_UPPER)


#: Past this many places to try per unit of text, a pattern is run over the whole text instead (the same
#: matches): where its keyword is everywhere (`@` in a flood of them), one pass of the engine is cheaper.
_TRIES_PER_UNIT: Final = 16

# Where each keyword found in a text is (every place, overlapping ones too): None past one per _TRIES_PER_UNIT
# units of the text (no list of them is kept; the keyword's detectors run over the whole text).
_Places = dict[str, list[int] | None]


def _places(text: str, classes: frozenset[str] | None) -> _Places:
    """Where each keyword of ``classes`` is in ``text`` (ASCII case-insensitive), by keyword, for those found: as
    core's one alternation, scanned at every position with its "keyword contains keyword" closure, finds every
    keyword anywhere. Keywords are looked for in groups by their rarest character (``_keywords_of``)."""
    lowered = _ascii_lower(text)
    find = lowered.find
    most = len(text) // _TRIES_PER_UNIT
    places: _Places = {}
    for character, keywords in _keywords_of(classes):
        if character not in lowered:
            continue
        for keyword in keywords:
            at = find(keyword)
            if at < 0:
                continue
            found: list[int] | None = [at]
            at = find(keyword, at + 1)
            while at >= 0 and found is not None:
                found.append(at)
                at = find(keyword, at + 1)
                if len(found) > most:
                    found = None
            places[keyword] = found
    return places


_RUNS: Final = re.compile(r"[0-9](?:[ .\-/()]{0,2}[0-9])+")
_CAPPED_RUNS: Final = re.compile(r"[0-9](?:[ .\-/()]{0,2}[0-9]){1,%d}" % max(_DIGIT_CAP - 1, 1))
_DIGIT: Final = re.compile(r"[0-9]")
_SEPARATORS: Final = re.compile(r"[ .\-/()]")


def longest_digit_run(text: str, cap: int | None = None) -> int:
    """The longest run of digits in ``text``, where up to two separators (`` .-/()``) may stand between two
    digits of a run; counted up to ``cap`` when given (no rule needs more)."""
    # Runs of two digits or more are walked (a lone digit, common in text, costs the engine's skip only).
    if cap is not None and cap <= 1:
        return min(cap, 1) if _DIGIT.search(text) else 0
    pattern = _CAPPED_RUNS if cap == _DIGIT_CAP else _RUNS if cap is None else re.compile(r"[0-9](?:[ .\-/()]{0,2}[0-9]){1,%d}" % (cap - 1))
    best = 0
    for match in pattern.finditer(text):
        run = match.group()
        digits = len(run) - len(_SEPARATORS.findall(run))
        if digits > best:
            best = digits
            if cap is not None and best >= cap:
                return cap
    return best if best or _DIGIT.search(text) is None else 1


_NOT_KEY_CHARACTER: Final = re.compile(r"[^a-z0-9]")
_NOT_AUTH_WORD: Final = re.compile(NOT_AUTH_WORD, re.ASCII)
_NOT_SECRET_SUFFIX: Final = re.compile(NOT_SECRET_SUFFIX, re.ASCII)


def key_names_secret(key: str) -> bool:
    """Whether a JSON key names a secret, so the generic rule looks at every token of its value (core's
    ``keyNamesSecret``: ``apiKey``, ``API_KEY``, ``client-secret``, ``authorization``; not ``publicKey``,
    ``tokenCount``, ``author``, ``keyId``)."""
    name = _NOT_AUTH_WORD.sub("", _NOT_KEY_CHARACTER.sub("", key.lower()))
    return any(hint in name for hint in SECRET_HINTS) and not any(word in name for word in NOT_SECRET_KEYS) and _NOT_SECRET_SUFFIX.search(name) is None


def _select(text: str, places: _Places, classes: frozenset[str] | None, hinted: bool) -> list[_Compiled]:
    """The detectors the prefilter selects for ``text`` (code units) whose keywords are at ``places``, in table order."""
    chosen: set[int] = set()
    for keyword in places:
        chosen.update(_KEYWORD_DETECTORS[keyword])
    if classes is None or not _DIGIT_GATED_CLASSES.isdisjoint(classes):
        run = longest_digit_run(text, _DIGIT_CAP)
        chosen.update(compiled.order for compiled in _DIGIT_GATED if run >= compiled.detector.min_digits)
    if hinted:
        chosen.add(_HIGH_ENTROPY.order)
    selected = (_COMPILED[order] for order in sorted(chosen))
    return [compiled for compiled in selected if classes is None or compiled.detector.content_class in classes]


def _classes(classes: Collection[str] | None) -> frozenset[str] | None:
    return None if classes is None else frozenset(classes)


def detectors_to_run(text: str, classes: Collection[str] | None = None, key: str | None = None) -> list[Detector]:
    """The detectors whose patterns ``find_in_text`` runs on ``text`` with these options (the prefilter's
    choice), in table order: to test and explain the prefilter."""
    hinted = key is not None and key_names_secret(key)
    text = units(text)
    chosen = _classes(classes)
    return [compiled.detector for compiled in _select(text, _places(text, chosen), chosen, hinted)]


# One finding as the scanner keeps it: detector id, class, start, end.
_Found = tuple[str, str, int, int]

def _starts(text: str, compiled: _Compiled, places: _Places) -> list[int] | None:
    """Where a match of ``compiled`` may start, in order: as far before each place of one of its keywords as a
    keyword stands in its matches (``keyword_at``); None when that is not known, or there are too many places
    to try one by one."""
    if compiled.keyword_at is None:
        return None
    least, most = compiled.keyword_at
    lists = [places[keyword] for keyword in compiled.detector.keywords if keyword in places]
    if any(found is None for found in lists):
        return None
    each = cast("list[list[int]]", lists)
    if sum(map(len, each)) * (most - least + 1) * _TRIES_PER_UNIT > len(text):
        return None
    if len(each) == 1 and least == most:
        return [place - least for place in each[0] if place >= least]
    return sorted({start for found in each for place in found for start in range(max(place - most, 0), place - least + 1)})


def _collect(text: str, compiled: _Compiled, places: _Places, found: list[tuple[int, int, int, int, _Found]]) -> None:
    """Every validated match of one detector, with its rank (start, -end, class, order): the matches ``finditer``
    finds, tried only where they may start (a match starts nowhere else, and the next is tried from where one ends)."""
    group = compiled.group
    validate = compiled.validate
    detector = compiled.detector
    rank_class = 0 if compiled.secret else 1
    starts = _starts(text, compiled, places)
    if starts is None:
        matches: Iterable[re.Match[str]] = compiled.regex.finditer(text)
    else:
        matches = _matches_from(text, compiled.regex, starts)
    for match in matches:
        value = match.group(group)
        if not value:
            continue
        if validate is not None and not validate(value):
            continue
        start = match.start(group)
        end = start + len(value)
        found.append((start, -end, rank_class, compiled.order, (detector.id, detector.content_class, start, end)))


def _matches_from(text: str, regex: re.Pattern[str], starts: Iterable[int]) -> Iterator[re.Match[str]]:
    """What ``regex.finditer(text)`` yields when every match starts at one of ``starts``: the pattern tried at each,
    in order, from the end of the last match (no pattern of the table matches the empty string)."""
    match_at = regex.match
    end = 0
    for start in starts:
        if start < end:
            continue
        match = match_at(text, start)
        if match is not None:
            end = match.end()
            yield match


def _scan(text: str, classes: frozenset[str] | None, hinted: bool) -> tuple[_Found, ...]:
    found: list[tuple[int, int, int, int, _Found]] = []
    places = _places(text, classes)
    for compiled in _select(text, places, classes, hinted):
        _collect(text, compiled, places, found)
        if compiled is _HIGH_ENTROPY and hinted:
            _collect(text, _KEY_HINTED, places, found)
    found.sort(key=lambda ranked: ranked[:4])
    kept: list[_Found] = []
    end = 0
    for ranked in found:
        finding = ranked[4]
        if finding[2] < end:
            continue
        kept.append(finding)
        end = finding[3]
    return tuple(kept)


#: Texts up to this many code units are remembered (the last 4,096 of them).
_CACHED_TEXT_LENGTH: Final = 256
_scan_cached: Final = functools.lru_cache(maxsize=4096)(_scan)


class _RecentLongTexts:
    """The findings of the longer texts scanned last, up to ``units`` code units of them in all (the least
    recently used out first). A wrapped model call screens its prompt twice, before its decision
    (``find_in_value``) and after it (``redact_for_provider``, under the decision's rules): the second screen of
    each of its texts is a look-up. Texts are keys, so the memory held is bounded as the short texts' cache is."""

    def __init__(self, units: int) -> None:
        self._units = units
        self._held = 0
        self._found: OrderedDict[tuple[str, frozenset[str] | None, bool], tuple[_Found, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forgets every text (a benchmark's runs each start as a new prompt does)."""
        with self._lock:
            self._found.clear()
            self._held = 0

    def scan(self, text: str, classes: frozenset[str] | None, hinted: bool) -> tuple[_Found, ...]:
        key = (text, classes, hinted)
        with self._lock:
            found = self._found.get(key)
            if found is not None:
                self._found.move_to_end(key)
                return found
        found = _scan(text, classes, hinted)
        if len(text) <= self._units:
            with self._lock:
                if key not in self._found:
                    self._found[key] = found
                    self._held += len(text)
                    while self._held > self._units:
                        (old, _, _), _ = self._found.popitem(last=False)
                        self._held -= len(old)
        return found


#: Longer texts are remembered up to this many code units in all (as many as 4,096 short texts hold at most).
_recent_long_texts: Final = _RecentLongTexts(4096 * _CACHED_TEXT_LENGTH)


def _find(text: str, classes: frozenset[str] | None, key: str | None) -> tuple[_Found, ...]:
    """``find_in_text`` over code units."""
    if not text:
        return ()
    hinted = key is not None and key_names_secret(key)
    return _scan_cached(text, classes, hinted) if len(text) <= _CACHED_TEXT_LENGTH else _recent_long_texts.scan(text, classes, hinted)


def _with_org(text: str, found: tuple[_Found, ...], classes: frozenset[str] | None, org: OrgDetectorScan | None) -> tuple[_Found, ...]:
    """The table's findings and the org's detectors' together, by the table's rule (core's ``withOrgFindings``): earlier
    start first, then the longer, then a secret before personal data, then the table's before the org's; overlaps dropped."""
    if org is None or org.size == 0:
        return found
    own = org.find(text, classes)
    if not own:
        return found
    ranked = [(start, -end, 0 if kind == "secrets" else 1, order, (detector, kind, start, end)) for order, items in ((0, found), (1, own)) for detector, kind, start, end in items]
    ranked.sort(key=lambda item: item[:4])
    kept: list[_Found] = []
    end = 0
    for item in ranked:
        finding = item[4]
        if finding[2] < end or finding[3] > len(text):
            continue
        kept.append(finding)
        end = finding[3]
    return tuple(kept)


def find_in_text(text: str, classes: Collection[str] | None = None, key: str | None = None, org: OrgDetectorScan | None = None) -> list[TextFinding]:
    """Every secret and piece of personal data in ``text``: sorted by start, non-overlapping (the earlier
    start wins; on a tie the longer, then a secret, then the detector listed first), with UTF-16 offsets of
    the value only. ``classes``: which of ``secrets`` and ``personalData`` run (both when None). ``key``: the
    JSON key the text is the value of; when it names a secret the generic high-entropy rule checks every
    token of the text. ``org``: the org's own detectors, run beside the table (``content_detectors()``)."""
    code_units = units(text)
    chosen = _classes(classes)
    return [
        {"detector": detector, "class": cast(ContentClass, kind), "start": start, "end": end}
        for detector, kind, start, end in _with_org(code_units, _find(code_units, chosen, key), chosen, org)
    ]


# ── The instruction heuristic ───────────────────────────────────────────────────────────────────

_INSTRUCTION_KEYWORDS: Final = re.compile(
    "|".join(re.escape(keyword) for keyword in sorted(dict.fromkeys(keyword for rule in INSTRUCTION_RULES for keyword in rule.keywords), key=len, reverse=True)),
    re.ASCII | re.IGNORECASE,
)
_INSTRUCTION_PATTERNS: Final = tuple((rule, re.compile(rule.pattern, rule.flags)) for rule in INSTRUCTION_RULES)


def find_instructions(text: str) -> list[InstructionFinding]:
    """The phrases in ``text`` that read as instructions aimed at the agent (a heuristic, English only):
    sorted by start, non-overlapping (the earlier wins), with UTF-16 offsets."""
    text = units(text)
    seen = {match.lower() for match in _INSTRUCTION_KEYWORDS.findall(text)}
    if not seen:
        return []
    found: list[InstructionFinding] = []
    for rule, pattern in _INSTRUCTION_PATTERNS:
        if not any(keyword in seen or any(keyword in word for word in seen) for keyword in rule.keywords):
            continue
        found.extend({"detector": rule.id, "start": match.start(), "end": match.end()} for match in pattern.finditer(text))
    found.sort(key=lambda finding: (finding["start"], -finding["end"]))
    out: list[InstructionFinding] = []
    end = 0
    for finding in found:
        if finding["start"] < end:
            continue
        out.append(finding)
        end = finding["end"]
    return out


# ── Walking values ──────────────────────────────────────────────────────────────────────────────


def format_issue_path(path: Iterable[str | int]) -> str:
    """``policies[2].actions[0]``: an int is an index, a str a key after a dot (none at the start)."""
    out = ""
    for key in path:
        if isinstance(key, int) and not isinstance(key, bool):
            out = f"{out}[{key}]"
        else:
            out = f"{out}.{key}" if out else str(key)
    return out


_ARRAY_INDEX: Final = re.compile(r"0|[1-9][0-9]{0,9}")


def _is_array_index(key: object) -> bool:
    return isinstance(key, str) and _ARRAY_INDEX.fullmatch(key) is not None and int(key) < 4294967295


def _js_keys(record: Mapping[Any, Any]) -> list[Any]:
    """A dict's keys in JavaScript's order (``Object.keys``): array indices first, ascending; then the rest as inserted."""
    keys = list(record)
    indices = [key for key in keys if _is_array_index(key)]
    if not indices:
        return keys
    return sorted(indices, key=int) + [key for key in keys if not _is_array_index(key)]


#: How a placeholder, and a path naming a key that held a finding, names each class.
PLACEHOLDER_KIND: Final[Mapping[str, str]] = {"secrets": "secret", "personalData": "personal"}
_DONE: Final[Mapping[str, Literal["denied", "redacted", "flagged"]]] = {"deny": "denied", "redact": "redacted", "flag": "flagged"}
#: Each built-in detector's confidence, and their order (core's DETECTOR_CONFIDENCE, CONFIDENCE_RANK).
_CONFIDENCE: Final[Mapping[str, str]] = {detector.id: detector.confidence for detector in DETECTORS}
_CONFIDENCE_RANK: Final[Mapping[str, int]] = {"low": 0, "medium": 1, "high": 2}


def _below_confidence(detector: str, least: str | None) -> bool:
    """Whether a finding of ``detector`` is below ``least`` (a content rule's ``minConfidence``): it is flagged, never
    redacted or refused. An org's own detector (none in the table) counts as ``high``."""
    return least is not None and _CONFIDENCE_RANK[_CONFIDENCE.get(detector, "high")] < _CONFIDENCE_RANK[least]


def content_placeholder(kind: ContentClass, detector: str, tag: str) -> str:
    """``[secret:github_token#1a2b3c4d]``: what stands where a value was."""
    return f"[{PLACEHOLDER_KIND[kind]}:{detector}#{tag}]"


@dataclass(frozen=True)
class Screened(Generic[T]):
    """What ``screen_content`` answers: the value as it may be written, the findings, whether refused."""

    #: The value with every finding of a class set to ``redact`` or ``deny`` replaced by its placeholder
    #: (the very same object when nothing was replaced).
    value: T
    findings: list[ContentFinding]
    #: A finding of a class set to ``deny``: the call is refused.
    denied: bool


# Where a value sits, as a chain to the root: built into a path only when something is found there.
_At = tuple["_At", str | int] | None


def screen_content(
    value: T,
    root: Sequence[str | int],
    actions: Mapping[str, str],
    tag: Callable[[str], str],
    only: ContentClass | None = None,
    placeholder: Callable[[ContentClass, str, str], str] | None = None,
    org: OrgDetectorScan | None = None,
) -> Screened[T]:
    """Looks for secrets and personal data in every string of ``value`` and every dict key of 8 code units
    or more (texts of 6 or more), at ``root``, with the detectors of the classes whose action
    (``actions["secrets"]``, ``actions["personalData"]``: deny, redact, flag or off) is not ``off`` (a finding
    of a detector less sure than ``actions["minConfidence"]``, when given, is flagged), and answers
    the value as it may be written, the findings (at most 100) and whether the call is refused (core's
    ``screenContent``). ``tag(value)``: the placeholder's suffix; ``placeholder(kind, detector, value)``: what
    stands where a value was, instead of ``content_placeholder(kind, detector, tag(value))``; ``only``: look
    for that class alone; ``org``: the org's own detectors, run beside the table. A key the rules rewrite is renamed (``~2``, ``~3`` … when two would clash); a key
    kept but flagged is written as it is, and paths below it name it by what was found (``[personal:email]``)."""
    classes = frozenset(kind for kind in ("secrets", "personalData") if actions.get(kind) != "off" and (only or kind) == kind)
    findings: list[ContentFinding] = []
    denied = False
    if not classes:
        return Screened(value, findings, denied)

    def path_of(at: _At) -> str:
        keys: list[str | int] = []
        while at is not None:
            at, key = at
            keys.append(key)
        return format_issue_path([*root, *reversed(keys)])

    # What the last screen_text found that the rules keep as it is (flagged), for a key whose path must not repeat it.
    kept: tuple[str, str] | None = None

    def screen_text(text: str, at: _At, key: str | None) -> str:
        nonlocal kept, denied
        kept = None
        code_units = units(text)
        if len(code_units) < CONTENT_MIN_LENGTH:
            return text
        found = _with_org(code_units, _find(code_units, classes, key), classes, org)
        if not found:
            return text
        path = path_of(at)
        out: list[str] = []
        cut = 0
        for detector, kind, start, end in found:
            action = actions.get(kind)
            if action in _DONE and _below_confidence(detector, actions.get("minConfidence")):
                action = "flag"
            done = _DONE.get(action) if action is not None else None
            if done is None:
                continue
            if len(findings) < MAX_FINDINGS:
                finding: ContentFinding = {"detector": detector, "class": cast(ContentClass, kind), "path": path, "action": done}
                if detector in _CONFIDENCE:
                    finding["confidence"] = _CONFIDENCE[detector]
                findings.append(finding)
            if action == "deny":
                denied = True
            if action == "flag":
                if kept is None:
                    kept = (kind, detector)
                continue
            value = code_points(code_units[start:end])
            stand_in = placeholder(cast(ContentClass, kind), detector, value) if placeholder is not None else content_placeholder(cast(ContentClass, kind), detector, tag(value))
            out.append(code_units[cut:start])
            out.append(units(stand_in))
            cut = end
        if cut == 0:
            return text
        out.append(code_units[cut:])
        return code_points("".join(out))

    def walk(item: Any, at: _At, key: str | None) -> Any:
        nonlocal kept
        if isinstance(item, str):
            return screen_text(item, at, key)
        if isinstance(item, (list, tuple)):
            copied: list[Any] | None = None
            for i, element in enumerate(item):
                following = walk(element, (at, i), key)
                if following is not element and copied is None:
                    copied = list(item[:i])
                if copied is not None:
                    copied.append(following)
            if copied is None:
                return item
            return tuple(copied) if isinstance(item, tuple) else copied
        if not isinstance(item, dict):
            return item
        names = _js_keys(item)
        out: dict[Any, Any] | None = None
        for i, name in enumerate(names):
            element = item[name]
            screened_name: Any = name
            flagged: tuple[str, str] | None = None
            if isinstance(name, str) and len(units(name)) >= CONTENT_KEY_MIN_LENGTH:
                screened_name = screen_text(name, at, None)
                flagged = kept
            target = name
            if screened_name != name:
                if out is None:
                    out = {names[j]: item[names[j]] for j in range(i)}
                target = screened_name
                n = 2
                while target in out:
                    target = f"{screened_name}~{n}"
                    n += 1
            path_key = f"[{PLACEHOLDER_KIND[flagged[0]]}:{flagged[1]}]" if flagged is not None else target if isinstance(target, str) else str(target)
            following = walk(element, (at, path_key), name if isinstance(name, str) else str(name))
            if following is not element and out is None:
                out = {names[j]: item[names[j]] for j in range(i)}
            if out is not None:
                out[target] = following
        return item if out is None else out

    return Screened(cast(T, walk(value, None, None)), findings, denied)


# ── The caller's side of a model call ───────────────────────────────────────────────────────────

_NOT_PATH_CHARACTER: Final = re.compile(r"[^A-Za-z0-9_.:#~\[\]-]")


def _sendable_path(path: str) -> str:
    """A path made safe to send: what a finding's path pattern refuses becomes ``_`` (one per UTF-16 unit), at most 300."""
    cleaned = _NOT_PATH_CHARACTER.sub("_", units(path))[:300]
    return cleaned if cleaned else "_"


def _local(findings: Iterable[ContentFinding]) -> list[LocalFinding]:
    return [{"detector": finding["detector"], "class": finding["class"], "path": _sendable_path(finding["path"])} for finding in findings]


_FLAG_BOTH: Final[Mapping[str, str]] = {"secrets": "flag", "personalData": "flag"}


def _no_tag(_value: str) -> str:
    return ""


def find_in_value(value: Any, root: Sequence[str | int], org: OrgDetectorScan | None = None) -> list[LocalFinding]:
    """Every secret and piece of personal data in ``value`` (each string, and each dict key of 8 units or
    more), at ``root``, without changing anything: detector, class and path, never the value. At most 100.
    ``org``: the org's own detectors, run beside the table."""
    return _local(screen_content(value, root, _FLAG_BOTH, _no_tag, org=org).findings)


#: ``[personal:email#3f9a0c1d]``: the placeholders a vault restores.
_RESTORABLE: Final = re.compile(r"\[personal:([a-z0-9_]{1,64})#([0-9a-f]{8})\]")
_RESTORABLE_START: Final = "[personal:"
#: The longest placeholder a vault makes: ``[personal:`` + a detector id (≤ 64) + ``#`` + 8 hex + ``]``.
_LONGEST_PLACEHOLDER: Final = len(_RESTORABLE_START) + 64 + 1 + 8 + 1
_PLACEHOLDER_REST: Final = re.compile(r"[a-z0-9_]{0,64}(?:#[0-9a-f]{0,8})?")


def _random_tag() -> str:
    return secrets.token_hex(4)


class PlaceholderVault:
    """One model call's placeholders: each distinct value found gets one, ``[secret:github_token#<8 hex>]`` or
    ``[personal:email#<8 hex>]``, with a random suffix (no placeholder is a fingerprint of its value). The
    personal data behind them is kept here, in the caller's process, to be restored in the answer; secrets
    are never restored. ``random_tag``: 8 random lowercase hex characters per call (``secrets.token_hex(4)``
    when None); ``restore``: whether personal data comes back in the answer."""

    def __init__(self, random_tag: Callable[[], str] | None = None, *, restore: bool = True) -> None:
        self._random_tag = random_tag if random_tag is not None else _random_tag
        self._restore = restore
        self._by_value: dict[tuple[str, str, str], str] = {}
        self._personal: dict[str, tuple[str, str]] = {}

    def placeholder(self, kind: ContentClass, detector: str, value: str) -> str:
        """The placeholder for one value: the same value in one call gets the same one."""
        key = (kind, detector, value)
        known = self._by_value.get(key)
        if known is not None:
            return known
        tag = self._random_tag()
        while tag in self._personal:
            tag = self._random_tag()
        placeholder = f"[{'secret' if kind == 'secrets' else 'personal'}:{detector}#{tag}]"
        self._by_value[key] = placeholder
        if kind == "personalData" and self._restore:
            self._personal[tag] = (detector, value)
        return placeholder

    @property
    def restores(self) -> bool:
        """Whether anything would be restored."""
        return bool(self._personal)

    def restore(self, text: str) -> str:
        """``text`` with every placeholder of this vault's personal data replaced by the value it stands for."""
        if not self._personal or _RESTORABLE_START not in text:
            return text

        def back(match: re.Match[str]) -> str:
            kept = self._personal.get(match.group(2))
            return kept[1] if kept is not None and kept[0] == match.group(1) else match.group()

        return _RESTORABLE.sub(back, text)

    def restore_deep(self, value: T) -> T:
        """Restores every string of a parsed answer in place and answers it: a dict's values and a list's items
        are replaced where they change (the containers keep their identity; 64 levels deep at most); a str is
        answered restored; tuples and other objects are left as they are (a provider SDK's models: restore
        their fields, or a plain copy of them)."""
        if not self._personal:
            return value

        def visit(item: Any, depth: int) -> Any:
            if isinstance(item, str):
                return self.restore(item)
            if depth > 64:
                return item
            if isinstance(item, dict):
                for key in list(item):
                    before = item[key]
                    after = visit(before, depth + 1)
                    if after is not before:
                        item[key] = after
            elif isinstance(item, list):
                for index, before in enumerate(item):
                    after = visit(before, depth + 1)
                    if after is not before:
                        item[index] = after
            return item

        return cast(T, visit(value, 0))


def _held_from(text: str) -> int:
    """Where the possible start of a placeholder at the end of ``text`` begins (``len(text)`` when there is none)."""
    start = max(0, len(text) - _LONGEST_PLACEHOLDER)
    at = text.rfind("[")
    while at >= start:
        tail = text[at:]
        if "]" not in tail and (
            _RESTORABLE_START.startswith(tail)
            if len(tail) <= len(_RESTORABLE_START)
            else tail.startswith(_RESTORABLE_START) and _PLACEHOLDER_REST.fullmatch(tail, len(_RESTORABLE_START)) is not None
        ):
            return at
        at = text.rfind("[", 0, at) if at > 0 else -1
    return len(text)


class StreamRestorer:
    """Restores placeholders in text that arrives in pieces (a streamed answer): a piece that ends with what
    may be the start of a placeholder keeps that end back until the next piece says, so a placeholder split
    across two pieces is still restored. ``end()`` gives back what is held."""

    def __init__(self, vault: PlaceholderVault) -> None:
        self._vault = vault
        self._held = ""

    def push(self, piece: str) -> str:
        if not self._vault.restores:
            return piece
        text = self._held + piece
        cut = _held_from(text)
        self._held = text[cut:]
        return self._vault.restore(text[:cut])

    @property
    def holding(self) -> bool:
        """Whether text is held back."""
        return bool(self._held)

    def end(self) -> str:
        rest = self._held
        self._held = ""
        return self._vault.restore(rest)


def redact_for_provider(
    value: T, root: Sequence[str | int], actions: Mapping[str, str], vault: PlaceholderVault, org: OrgDetectorScan | None = None
) -> tuple[T, list[LocalFinding]]:
    """``value`` as it may leave for the provider under the decision's content rules (``actions``: the
    decision's ``content``): what a class set to ``redact`` finds is replaced by the vault's placeholders,
    ``flag`` and ``off`` leave it; and what a class set to ``deny`` found (such a call is refused, and
    nothing is sent), named even past the 100 findings a list holds. ``org``: the org's own detectors."""
    screened = screen_content(value, root, actions, _no_tag, placeholder=vault.placeholder, org=org)
    if not screened.denied:
        return screened.value, []
    # The findings list stops at 100: what the denying classes found is looked for on its own, so it is named.
    denying = {kind: "deny" if actions.get(kind) == "deny" else "off" for kind in ("secrets", "personalData")}
    return screened.value, _local(screen_content(value, root, denying, _no_tag, org=org).findings)


def screen_answer(
    value: Any, root: Sequence[str | int], secrets: bool = True, personal_data: bool = True, instructions: bool = True, org: OrgDetectorScan | None = None
) -> list[LocalFinding]:
    """What a model's answer (or a tool's result) holds, at ``root``: secrets and personal data (each when
    asked for, by the table and ``org``, the org's own detectors), and phrases that read as instructions aimed at
    the agent. Nothing is changed. At most 100."""
    actions = {"secrets": "flag" if secrets else "off", "personalData": "flag" if personal_data else "off"}
    found = _local(screen_content(value, root, actions, _no_tag, org=org).findings)
    if not instructions:
        return found

    def visit(item: Any, path: list[str | int], depth: int) -> None:
        if len(found) >= MAX_FINDINGS:
            return
        if isinstance(item, str):
            for finding in find_instructions(item):
                if len(found) >= MAX_FINDINGS:
                    return
                found.append({"detector": finding["detector"], "class": "instructions", "path": _sendable_path(format_issue_path(path))})
            return
        if depth > 64:
            return
        if isinstance(item, (list, tuple)):
            for i, element in enumerate(item):
                visit(element, [*path, i], depth + 1)
        elif isinstance(item, dict):
            for key in _js_keys(item):
                visit(item[key], [*path, key if isinstance(key, str) else str(key)], depth + 1)

    visit(value, list(root), 0)
    return found
