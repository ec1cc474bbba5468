"""A linear-time matcher for the RE2 syntax an org's own content detectors are written in (docs/content-detectors.md,
"An org's own detectors"), so the Python screen runs them as the TypeScript screen does (re2js), never with
Python's backtracking ``re``.

The pattern is parsed here (RE2's syntax: literals, escapes, ``\\Q…\\E``, classes, Perl and POSIX classes, ``.``,
anchors, ``\\b``/``\\B``, flags ``i m s U`` and scoped flags, groups, alternation, repetition greedy and not), compiled
to a Thompson NFA laid out as re2js lays out its program (a star over a body that can match empty is ``(x+)?``), and run
by a Pike VM with RE2's leftmost-first semantics: the cost of a search is at most the text's length times the
program's size, whatever the pattern. ``find_all`` walks successive matches exactly as re2js's ``matcher(text).find()``
loop does (the next search starts where a match ended; after an empty match, one character further).

Texts are taken as JavaScript holds them (UTF-16 code units, ``_validators.units``): a surrogate pair is one character,
a lone surrogate is a character of its own, and offsets are code units, as the TypeScript screen's are.

Case folding (``(?i)``) follows re2js's orbits (``_re2_tables.CASE_ORBIT``, generated from re2js by
scripts/re2-python.ts). Unicode classes (``\\pL``, ``\\p{Greek}``) are not supported: a pattern using them raises
``Unsupported`` (the screen leaves that detector out and says so) rather than matching differently from re2js.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from typing import Any, Final, cast

from ._re2_tables import CASE_ORBIT

__all__ = ["MAX_PROGRAM", "Re2", "Unsupported"]

MAX_RUNE: Final = 0x10FFFF
_MIN_FOLD: Final = 65
_MAX_FOLD: Final = 125251
#: Past this many instructions a pattern is refused (the server caps org patterns at 300 RE2 instructions; this
#: program counts a few more, never ten times more).
MAX_PROGRAM: Final = 3000
MAX_PATTERN: Final = 1024


class Unsupported(ValueError):
    """The pattern is not RE2 as re2js reads it, or uses a construct this matcher cannot match exactly as re2js does."""


def _simple_fold(r: int) -> int:
    nxt = CASE_ORBIT.get(r)
    if nxt is not None:
        return nxt
    if r <= 127:
        if 65 <= r <= 90:
            return r + 32
        if 97 <= r <= 122:
            return r - 32
    return r


def _orbit(r: int) -> list[int]:
    out = [r]
    f = _simple_fold(r)
    while f != r:
        out.append(f)
        f = _simple_fold(f)
    return out


_FOLDABLE: Final = sorted({*CASE_ORBIT, *range(65, 91), *range(97, 123)})

Ranges = list[tuple[int, int]]


def _clean(ranges: Ranges) -> Ranges:
    ranges = sorted(ranges)
    out: Ranges = []
    for lo, hi in ranges:
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def _negate(ranges: Ranges) -> Ranges:
    out: Ranges = []
    next_lo = 0
    for lo, hi in _clean(ranges):
        if lo > next_lo:
            out.append((next_lo, lo - 1))
        next_lo = hi + 1
    if next_lo <= MAX_RUNE:
        out.append((next_lo, MAX_RUNE))
    return out


def _folded(lo: int, hi: int) -> Ranges:
    """re2js's appendFoldedRange: the range and the case orbit of every character in it."""
    if (lo <= _MIN_FOLD and hi >= _MAX_FOLD) or hi < _MIN_FOLD or lo > _MAX_FOLD:
        return [(lo, hi)]
    out: Ranges = [(lo, hi)]
    lo, hi = max(lo, _MIN_FOLD), min(hi, _MAX_FOLD)
    start = bisect_right(_FOLDABLE, lo - 1)
    for c in _FOLDABLE[start:]:
        if c > hi:
            break
        out.extend((f, f) for f in _orbit(c))
    return out


_PERL: Final[dict[str, Ranges]] = {"d": [(48, 57)], "s": [(9, 10), (12, 13), (32, 32)], "w": [(48, 57), (65, 90), (95, 95), (97, 122)]}
_POSIX: Final[dict[str, Ranges]] = {
    "alnum": [(48, 57), (65, 90), (97, 122)],
    "alpha": [(65, 90), (97, 122)],
    "ascii": [(0, 127)],
    "blank": [(9, 9), (32, 32)],
    "cntrl": [(0, 31), (127, 127)],
    "digit": [(48, 57)],
    "graph": [(33, 126)],
    "lower": [(97, 122)],
    "print": [(32, 126)],
    "punct": [(33, 47), (58, 64), (91, 96), (123, 126)],
    "space": [(9, 13), (32, 32)],
    "upper": [(65, 90)],
    "word": [(48, 57), (65, 90), (95, 95), (97, 122)],
    "xdigit": [(48, 57), (65, 70), (97, 102)],
}
_ESCAPES: Final = {"a": 7, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11}
_HEX: Final = frozenset("0123456789abcdefABCDEF")

# Empty-width conditions, as bits.
BOL, EOL, BOT, EOT, WB, NWB = 1, 2, 4, 8, 16, 32
#: ``\A``, ``\z``, ``\b`` and ``\B``: the empty-width assertion each escape stands for.
_ESCAPED_ASSERTIONS: Final = {"A": BOT, "z": EOT, "b": WB, "B": NWB}

# The parse tree: ("set", ranges, fold) | ("lit", rune, fold) | ("empty",) | ("assert", bit) | ("cat", [..])
# | ("alt", [..]) | ("star"|"plus"|"quest", node, nongreedy) | ("rep", node, min, max, nongreedy) | ("fail",)
Node = tuple[Any, ...]


class _Parser:
    def __init__(self, pattern: str) -> None:
        self.s = pattern
        self.i = 0
        self.fold = self.multi = self.dotnl = self.ungreedy = False

    def error(self, what: str) -> Unsupported:
        return Unsupported(f"{what} at {self.i}")

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.s[j] if j < len(self.s) else ""

    def parse(self) -> Node:
        node = self.alternation()
        if self.i != len(self.s):
            raise self.error("unexpected )")
        return node

    def alternation(self) -> Node:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.i += 1
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else ("alt", branches)

    def sequence(self) -> Node:
        items: list[Node] = []
        while self.i < len(self.s) and self.peek() not in "|)":
            c = self.peek()
            if c in "*+?" or (c == "{" and self.repeat_at() is not None):
                raise self.error("missing argument to repetition operator")
            atom = self.atom(items)
            if atom is None:
                continue
            repeated = False
            while True:
                c = self.peek()
                counts = self.repeat_at() if c == "{" else None
                if c not in ("*", "+", "?") and counts is None:
                    break
                if repeated:
                    raise self.error("invalid nested repetition operator")
                if counts is None:
                    self.i += 1
                else:
                    self.i = counts[2]
                nongreedy = False
                if self.peek() == "?":
                    self.i += 1
                    nongreedy = True
                if self.ungreedy:
                    nongreedy = not nongreedy
                if counts is None:
                    atom = ({"*": "star", "+": "plus", "?": "quest"}[c], atom, nongreedy)
                else:
                    atom = ("rep", atom, counts[0], counts[1], nongreedy)
                repeated = True
            items.append(atom)
        if not items:
            return ("empty",)
        return items[0] if len(items) == 1 else ("cat", items)

    def repeat_at(self) -> tuple[int, int, int] | None:
        """``{n}``, ``{n,}``, ``{n,m}`` at the cursor: (min, max or -1, end), or None when ``{`` is a literal."""
        s, j = self.s, self.i + 1

        def number(j: int) -> tuple[int, int] | None:
            k = j
            while k < len(s) and s[k].isascii() and s[k].isdigit():
                k += 1
            if k == j or (k - j >= 2 and s[j] == "0"):
                return None
            return int(s[j:k]) if k - j <= 8 else 10**8, k

        first = number(j)
        if first is None:
            return None
        least, j = first
        most = least
        if j < len(s) and s[j] == ",":
            j += 1
            if j < len(s) and s[j] == "}":
                most = -1
            else:
                second = number(j)
                if second is None:
                    return None
                most, j = second
        if j >= len(s) or s[j] != "}":
            return None
        if least > 1000 or most > 1000 or (most >= 0 and most < least):
            raise self.error("invalid repeat count")
        return least, most, j + 1

    def atom(self, items: list[Node]) -> Node | None:
        c = self.peek()
        if c == "(":
            return self.group()
        if c == "[":
            return self.char_class()
        if c == ".":
            self.i += 1
            return ("set", [(0, MAX_RUNE)] if self.dotnl else [(0, 9), (11, MAX_RUNE)], False)
        if c == "^":
            self.i += 1
            return ("assert", BOL if self.multi else BOT)
        if c == "$":
            self.i += 1
            return ("assert", EOL if self.multi else EOT)
        if c == "\\":
            nxt = self.peek(1)
            if nxt in _ESCAPED_ASSERTIONS:
                self.i += 2
                return ("assert", _ESCAPED_ASSERTIONS[nxt])
            if nxt == "Q":
                end = self.s.find("\\E", self.i + 2)
                text = self.s[self.i + 2 :] if end < 0 else self.s[self.i + 2 : end]
                self.i = len(self.s) if end < 0 else end + 2
                if not text:
                    return None
                lits: list[Node] = [("lit", ord(ch), self.fold) for ch in text]
                items.extend(lits[:-1])
                return lits[-1]
            if nxt in ("p", "P"):
                raise self.error("Unicode classes (\\p, \\P) are not supported")
            if nxt.lower() in _PERL:
                self.i += 2
                return ("set", self.group_ranges(_PERL[nxt.lower()], nxt.isupper()), False)
            return ("lit", self.escape(), self.fold)
        self.i += 1
        return ("lit", ord(c), self.fold)

    def group(self) -> Node | None:
        self.i += 1
        saved = (self.fold, self.multi, self.dotnl, self.ungreedy)
        if self.peek() == "?":
            if self.s.startswith("?P<", self.i) or (self.s.startswith("?<", self.i) and self.peek(2) not in ("=", "!")):
                end = self.s.find(">", self.i)
                name = self.s[self.i + (3 if self.peek(1) == "P" else 2) : end] if end >= 0 else ""
                if not name or not all(ch.isascii() and (ch.isalnum() or ch == "_") for ch in name):
                    raise self.error("invalid named capture")
                self.i = end + 1
            else:
                j = self.i + 1
                on, sign, flags = True, False, {"i": self.fold, "m": self.multi, "s": self.dotnl, "U": self.ungreedy}
                while True:
                    ch = self.s[j] if j < len(self.s) else ""
                    if ch in ("i", "m", "s", "U"):
                        flags[ch] = on
                        sign = False
                    elif ch == "-" and on:
                        on, sign = False, True
                    elif ch in (")", ":"):
                        if sign or (j == self.i + 1 and ch == ")"):
                            raise self.error("invalid or unsupported Perl syntax")
                        break
                    else:
                        raise self.error("invalid or unsupported Perl syntax")
                    j += 1
                self.fold, self.multi, self.dotnl, self.ungreedy = flags["i"], flags["m"], flags["s"], flags["U"]
                self.i = j + 1
                if ch == ")":
                    # Flags for the rest of the enclosing group: not a group of its own.
                    return None
        node = self.alternation()
        if self.peek() != ")":
            raise self.error("missing closing )")
        self.i += 1
        self.fold, self.multi, self.dotnl, self.ungreedy = saved
        return node

    def group_ranges(self, ranges: Ranges, negated: bool) -> Ranges:
        if self.fold:
            ranges = _clean([r for lo, hi in ranges for r in _folded(lo, hi)])
        return _negate(ranges) if negated else list(ranges)

    def escape(self) -> int:
        """One escaped character after ``\\`` (the cursor at the backslash)."""
        self.i += 1
        c = self.peek()
        if not c:
            raise self.error("trailing backslash")
        self.i += 1
        if "1" <= c <= "7" and not ("0" <= self.peek() <= "7"):
            raise self.error("invalid escape sequence")
        if "0" <= c <= "7":
            value = int(c)
            for _ in range(2):
                if "0" <= self.peek() <= "7":
                    value = value * 8 + int(self.peek())
                    self.i += 1
                else:
                    break
            return value
        if c == "x":
            if self.peek() == "{":
                end = self.s.find("}", self.i)
                digits = self.s[self.i + 1 : end] if end >= 0 else ""
                if not digits or not all(d in _HEX for d in digits) or int(digits, 16) > MAX_RUNE:
                    raise self.error("invalid escape sequence")
                self.i = end + 1
                return int(digits, 16)
            digits = self.s[self.i : self.i + 2]
            if len(digits) != 2 or not all(d in _HEX for d in digits):
                raise self.error("invalid escape sequence")
            self.i += 2
            return int(digits, 16)
        if c in _ESCAPES:
            return _ESCAPES[c]
        if ord(c) < 128 and not c.isalnum():
            return ord(c)
        raise self.error("invalid escape sequence")

    def char_class(self) -> Node:
        self.i += 1
        negated = self.peek() == "^"
        if negated:
            self.i += 1
        ranges: Ranges = []
        first = True
        while first or self.peek() != "]":
            if not self.peek():
                raise self.error("missing closing ]")
            first = False
            if self.s.startswith("[:", self.i):
                end = self.s.find(":]", self.i + 2)
                if end >= 0:
                    name = self.s[self.i + 2 : end]
                    negative = name.startswith("^")
                    if name.lstrip("^") not in _POSIX:
                        raise self.error("invalid character class range")
                    ranges.extend(self.group_ranges(_POSIX[name.lstrip("^")], negative))
                    self.i = end + 2
                    continue
            if self.peek() == "\\":
                nxt = self.peek(1)
                if nxt in ("p", "P"):
                    raise self.error("Unicode classes (\\p, \\P) are not supported")
                if nxt and nxt.lower() in _PERL:
                    self.i += 2
                    ranges.extend(self.group_ranges(_PERL[nxt.lower()], nxt.isupper()))
                    continue
            lo = self.class_char()
            hi = lo
            if self.peek() == "-" and self.peek(1) not in ("]", ""):
                self.i += 1
                hi = self.class_char()
                if hi < lo:
                    raise self.error("invalid character class range")
            ranges.extend(_folded(lo, hi) if self.fold else [(lo, hi)])
        self.i += 1
        ranges = _clean(ranges)
        return ("set", _negate(ranges) if negated else ranges, False)

    def class_char(self) -> int:
        if self.peek() == "\\":
            return self.escape()
        c = self.peek()
        if not c:
            raise self.error("missing closing ]")
        self.i += 1
        return ord(c)


# ── The program ────────────────────────────────────────────────────────────────────────────────────

FAIL, RUNE, ALT, NOP, EMPTY, MATCH = range(6)


class _Inst:
    __slots__ = ("op", "out", "arg", "los", "his", "ascii")

    def __init__(self, op: int) -> None:
        self.op = op
        self.out = 0
        self.arg = 0
        self.los: tuple[int, ...] = ()
        self.his: tuple[int, ...] = ()
        self.ascii = 0

    def matches(self, r: int) -> bool:
        if r < 128:
            return bool(self.ascii >> r & 1)
        k = bisect_right(self.los, r) - 1
        return k >= 0 and r <= self.his[k]


# A fragment: (first instruction, holes to patch as (inst << 1 | which), nullable). Instruction 0 is FAIL.
_Frag = tuple[int, list[int], bool]


class _Compiler:
    """re2js's Compiler, for the parts of the syntax parsed here: the same instructions in the same order."""

    def __init__(self) -> None:
        self.prog: list[_Inst] = [_Inst(FAIL)]

    def new(self, op: int) -> int:
        if len(self.prog) >= MAX_PROGRAM:
            raise Unsupported(f"compiles to more than {MAX_PROGRAM} instructions")
        self.prog.append(_Inst(op))
        return len(self.prog) - 1

    def patch(self, holes: list[int], target: int) -> None:
        for hole in holes:
            inst = self.prog[hole >> 1]
            if hole & 1:
                inst.arg = target
            else:
                inst.out = target

    def nop(self) -> _Frag:
        i = self.new(NOP)
        return (i, [i << 1], True)

    def cat(self, f1: _Frag, f2: _Frag) -> _Frag:
        if f1[0] == 0 or f2[0] == 0:
            self.patch(f1[1], 0)
            self.patch(f2[1], 0)
            return (0, [], False)
        self.patch(f1[1], f2[0])
        return (f1[0], f2[1], f1[2] and f2[2])

    def alt(self, f1: _Frag, f2: _Frag) -> _Frag:
        if f1[0] == 0:
            return f2
        if f2[0] == 0:
            return f1
        i = self.new(ALT)
        self.prog[i].out, self.prog[i].arg = f1[0], f2[0]
        return (i, f1[1] + f2[1], f1[2] or f2[2])

    def _choice(self, f1: _Frag, nongreedy: bool) -> tuple[int, list[int]]:
        """An ALT that tries ``f1`` first (greedy) or last (non-greedy), and its hole for the other way on."""
        i = self.new(ALT)
        if nongreedy:
            self.prog[i].arg = f1[0]
            return i, [i << 1]
        self.prog[i].out = f1[0]
        return i, [i << 1 | 1]

    def loop(self, f1: _Frag, nongreedy: bool) -> _Frag:
        i, holes = self._choice(f1, nongreedy)
        self.patch(f1[1], i)
        return (i, holes, True)

    def quest(self, f1: _Frag, nongreedy: bool) -> _Frag:
        if f1[0] == 0:
            return self.nop()
        i, holes = self._choice(f1, nongreedy)
        return (i, holes + f1[1], True)

    def star(self, f1: _Frag, nongreedy: bool) -> _Frag:
        if f1[0] == 0:
            return self.nop()
        if f1[2]:
            return self.quest(self.plus(f1, nongreedy), nongreedy)
        return self.loop(f1, nongreedy)

    def plus(self, f1: _Frag, nongreedy: bool) -> _Frag:
        if f1[0] == 0:
            return (0, [], False)
        return (f1[0], self.loop(f1, nongreedy)[1], f1[2])

    def empty(self, bit: int) -> _Frag:
        i = self.new(EMPTY)
        self.prog[i].arg = bit
        return (i, [i << 1], True)

    def rune(self, ranges: Ranges) -> _Frag:
        if not ranges:
            return (0, [], False)
        i = self.new(RUNE)
        inst = self.prog[i]
        inst.los = tuple(lo for lo, _ in ranges)
        inst.his = tuple(hi for _, hi in ranges)
        bits = 0
        for lo, hi in ranges:
            for r in range(lo, min(hi, 127) + 1):
                bits |= 1 << r
        inst.ascii = bits
        return (i, [i << 1], False)

    def compile(self, node: Node) -> _Frag:
        kind = node[0]
        if kind == "lit":
            r, fold = node[1], node[2]
            return self.rune(_clean([(f, f) for f in _orbit(r)]) if fold else [(r, r)])
        if kind == "set":
            return self.rune(node[1])
        if kind == "empty":
            return self.nop()
        if kind == "assert":
            return self.empty(node[1])
        if kind == "cat":
            f = self.compile(node[1][0])
            for child in node[1][1:]:
                f = self.cat(f, self.compile(child))
            return f
        if kind == "alt":
            f = self.compile(node[1][0])
            for child in node[1][1:]:
                f = self.alt(f, self.compile(child))
            return f
        if kind in ("star", "plus", "quest"):
            sub = self.compile(node[1])
            return {"star": self.star, "plus": self.plus, "quest": self.quest}[kind](sub, node[2])
        if kind == "rep":
            return self.compile(_expand(node))
        raise Unsupported(f"unknown node {kind}")


def _expand(node: Node) -> Node:
    """x{n,m} as RE2's simplifier writes it: x{0} empty; x{n,} n-1 copies then x+ (x* for n = 0); x{n,m} n copies
    then nested optional copies (x{2,4} is xx(x(x)?)?)."""
    _, sub, least, most, nongreedy = node
    if most == -1:
        if least == 0:
            return ("star", sub, nongreedy)
        if least == 1:
            return ("plus", sub, nongreedy)
        return ("cat", [sub] * (least - 1) + [("plus", sub, nongreedy)])
    if least == 0 and most == 0:
        return ("empty",)
    if least == 1 and most == 1:
        return cast(Node, sub)
    prefix: list[Node] = [sub] * least
    suffix: Node | None = None
    for _ in range(most - least):
        inner: Node = sub if suffix is None else ("cat", [sub, suffix])
        suffix = ("quest", inner, nongreedy)
    if suffix is not None:
        prefix.append(suffix)
    if not prefix:
        return ("empty",)
    return prefix[0] if len(prefix) == 1 else ("cat", prefix)


def _size(node: Node) -> int:
    """An upper bound of the instructions ``node`` compiles to (checked before any repetition is expanded)."""
    kind = node[0]
    if kind in ("cat", "alt"):
        return sum(_size(child) for child in node[1]) + len(node[1])
    if kind in ("star", "plus", "quest"):
        return 2 * _size(node[1]) + 2
    if kind == "rep":
        times: int = max(node[2], node[3], 1)
        return times * (_size(node[1]) + 2) + 2
    return 1


def _is_word(r: int) -> bool:
    return r < 128 and (48 <= r <= 57 or 65 <= r <= 90 or 97 <= r <= 122 or r == 95)


class Re2:
    """A compiled pattern. ``Re2(pattern)`` raises ``Unsupported`` for what it cannot match exactly as re2js does."""

    __slots__ = ("pattern", "prog", "start", "steps", "_closures", "_first")

    def __init__(self, pattern: str) -> None:
        if len(pattern) > MAX_PATTERN:
            raise Unsupported(f"longer than {MAX_PATTERN} characters")
        tree = _Parser(pattern).parse()
        if _size(tree) > 4 * MAX_PROGRAM:
            raise Unsupported(f"compiles to more than {MAX_PROGRAM} instructions")
        compiler = _Compiler()
        frag = compiler.compile(tree)
        match = compiler.new(MATCH)
        compiler.patch(frag[1], match)
        self.pattern = pattern
        self.prog = compiler.prog
        self.start = frag[0]
        #: Instructions visited by searches so far (each step costs at most the program's size).
        self.steps = 0
        self._closures: dict[tuple[int, int], tuple[int, ...]] = {}
        #: The code units a match can begin with, to skip to the next place a match could start (None: any).
        self._first = self._first_units()

    def _first_units(self) -> re.Pattern[str] | None:
        """A one-character class (Python's ``re``: a scan, no backtracking) of the code units a match can begin with,
        from every instruction the start can reach by empty steps, whatever the assertions there; None when the start
        can reach a match without reading a character or can read any character."""
        units: list[tuple[int, int]] = []
        for pc in self._closure(self.start, BOL | EOL | BOT | EOT | WB | NWB):
            inst = self.prog[pc]
            if inst.op != RUNE:
                return None
            for lo, hi in zip(inst.los, inst.his):
                if lo <= 0xFFFF:
                    units.append((lo, min(hi, 0xFFFF)))
                if hi > 0xFFFF:
                    units.append((0xD800, 0xDBFF))
        units = _clean(units)
        if not units or (units[0][0] == 0 and units[0][1] >= 0xFFFF):
            return None
        return re.compile("[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in units) + "]")

    @property
    def size(self) -> int:
        return len(self.prog)

    def _closure(self, pc: int, flag: int) -> tuple[int, ...]:
        """The RUNE and MATCH instructions reached from ``pc`` by empty steps where ``flag`` holds, in priority order."""
        key = (pc, flag)
        known = self._closures.get(key)
        if known is not None:
            return known
        out: list[int] = []
        seen: set[int] = set()
        stack = [pc]
        prog = self.prog
        while stack:
            at = stack.pop()
            if at in seen:
                continue
            seen.add(at)
            inst = prog[at]
            op = inst.op
            if op == ALT:
                stack.append(inst.arg)
                stack.append(inst.out)
            elif op == NOP:
                stack.append(inst.out)
            elif op == EMPTY:
                if inst.arg & flag == inst.arg:
                    stack.append(inst.out)
            elif op != FAIL:
                out.append(at)
        self.steps += len(seen)
        found = tuple(out)
        self._closures[key] = found
        return found

    def _search(
        self, runes: list[int], begin: int, text: str | None = None, offsets: list[int] | None = None, rune_of: list[int] | None = None
    ) -> tuple[int, int] | None:
        """The leftmost-first match starting at or after rune ``begin``, as rune indices. With ``text`` (the code units the
        runes were read from; with ``offsets`` and ``rune_of``, each rune's first unit and each unit's rune, when a surrogate pair made them differ), places where
        no match can begin are skipped by the first-unit class."""
        n = len(runes)
        prog = self.prog

        def flag(p: int) -> int:
            before = runes[p - 1] if p > 0 else -1
            after = runes[p] if p < n else -1
            bits = 0
            if before == -1:
                bits |= BOT | BOL
            elif before == 10:
                bits |= BOL
            if after == -1:
                bits |= EOT | EOL
            elif after == 10:
                bits |= EOL
            bits |= WB if _is_word(before) != _is_word(after) else NWB
            return bits

        clist: list[tuple[int, int]] = []
        seen: set[int] = set()
        matched: tuple[int, int] | None = None
        pos = begin
        here = flag(pos)
        steps = 0
        first = self._first if text is not None else None
        while True:
            if first is not None and matched is None and not clist and pos < n:
                unit = pos if offsets is None else offsets[pos]
                hit = first.search(cast(str, text), unit)
                if hit is None:
                    break
                start = hit.start() if rune_of is None else rune_of[hit.start()]
                if start > pos:
                    pos = start
                    here = flag(pos)
            if matched is None:
                for pc in self._closure(self.start, here):
                    if pc not in seen:
                        seen.add(pc)
                        clist.append((pc, pos))
            elif not clist:
                break
            if not clist:
                if pos >= n:
                    break
                pos += 1
                here = flag(pos)
                continue
            r = runes[pos] if pos < n else -1
            following = flag(pos + 1) if pos < n else 0
            nlist: list[tuple[int, int]] = []
            nseen: set[int] = set()
            for pc, started in clist:
                steps += 1
                inst = prog[pc]
                if inst.op == MATCH:
                    matched = (started, pos)
                    break
                if r >= 0 and inst.matches(r):
                    for leaf in self._closure(inst.out, following):
                        steps += 1
                        if leaf not in nseen:
                            nseen.add(leaf)
                            nlist.append((leaf, started))
            if pos >= n:
                break
            clist, seen = nlist, nseen
            pos += 1
            here = following
        self.steps += steps
        return matched

    def find_all(self, text: str) -> Iterator[tuple[int, int]]:
        """Every match re2js's ``matcher(text).find()`` loop finds in ``text`` (UTF-16 code units), as code-unit
        offsets ``(start, end)``, in order; empty matches included."""
        runes: list[int] = []
        offsets: list[int] = []
        i, n = 0, len(text)
        while i < n:
            c = ord(text[i])
            offsets.append(i)
            if 0xD800 <= c <= 0xDBFF and i + 1 < n and 0xDC00 <= ord(text[i + 1]) <= 0xDFFF:
                runes.append(0x10000 + ((c - 0xD800) << 10) + (ord(text[i + 1]) - 0xDC00))
                i += 2
            else:
                runes.append(c)
                i += 1
        offsets.append(n)
        rune_of: list[int] | None = None
        if len(runes) != n:
            rune_of = [0] * (n + 1)
            for k, unit in enumerate(offsets):
                rune_of[unit] = k
            for k in range(len(runes)):
                if offsets[k + 1] - offsets[k] == 2:
                    rune_of[offsets[k] + 1] = k + 1
        at = 0
        while at <= len(runes):
            found = self._search(runes, at, text, None if rune_of is None else offsets, rune_of)
            if found is None:
                return
            start, end = found
            yield offsets[start], offsets[end]
            at = end + 1 if start == end else end
