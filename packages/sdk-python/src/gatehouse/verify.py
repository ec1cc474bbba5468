"""Offline verification of a Gatehouse audit bundle (``audit.export()``; docs/audit.md), with public
specs and public keys only: no network, no account. The same checks and the same verdict, sentence
for sentence, as ``gatehouse verify`` and ``verifyBundle`` from ``@gatehouse/sdk/verify``.

Checking signatures needs the ``cryptography`` package: ``pip install "gatehouse-sdk[verify]"``.

A bundle is JSON Lines, in the order the export writes them::

    {"type":"bundle", "version":1, "origin", "treeSize", "filter"}      header (optional)
    {"type":"key", "vkey"}                                                C2SP verifier keys
    {"type":"start", "size", "frontier"}                                  a log that starts at seq size (optional)
    {"type":"entry", "seq", "canonical", "leafHash", "proof"?,            log entries
     "fields"?, "erased"?}                                                (second format: sealed fields)
    {"type":"checkpoint", "note"}                                         signed checkpoints
    {"type":"consistency", "size1", "size2", "proof"}                     optional

A complete bundle (entries from seq 0 with no gaps) is checked by rebuilding the tree and comparing
its root with every checkpoint as the stream reaches that size. A log whose oldest entries were dropped
under the org's retention starts at seq S: its bundle's start line carries the tree's frontier at S (the
hashes of the perfect subtrees covering [0, S), largest first), the tree is rebuilt from there, and its
entries run from seq S. A filtered bundle's entries each carry an inclusion proof against a checkpoint
that came before them, and its smaller checkpoints a consistency proof into the largest.

Only what a signature covers is valid: entries after the last signed checkpoint are reported in
``report.unsigned`` and fail the check unless ``allow_unsigned`` is set. Everything else that does not
tie the bundle to one signed log fails closed with its reason.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Iterable, Iterator, Literal, Sequence, TypeAlias, TypeGuard

from ._tlog import (
    CheckpointBody,
    MissingCryptography,
    NoteVerifier,
    TreeBuilder,
    checkpoint_note_size,
    hash_leaf,
    is_safe_index,
    js_json_string,
    open_note,
    parse_checkpoint,
    parse_verifier_key,
    root_from_inclusion_proof,
    utf8_bytes,
    verify_consistency,
)

__all__ = [
    "BundleReport",
    "BundleSource",
    "MissingCryptography",
    "NoteVerifier",
    "SinceCheck",
    "UnsignedEntries",
    "checkpoint_note_size",
    "describe_unsigned",
    "parse_verifier_key",
    "verify_bundle",
]

#: A path of a bundle file (a ``str`` is always a path), the bundle's bytes, or its chunks as they arrive.
BundleSource: TypeAlias = str | os.PathLike[str] | bytes | Iterable[bytes | str]


@dataclass(frozen=True)
class UnsignedEntries:
    """A run of entries that no signed checkpoint covers."""

    count: int
    first_seq: int
    last_seq: int


@dataclass(frozen=True)
class SinceCheck:
    """The saved checkpoint given as ``since``, and whether the bundle proved the log only grew from it."""

    tree_size: int
    root_hash: str
    consistent: bool


@dataclass(frozen=True)
class BundleReport:
    """The verdict on a bundle. ``valid`` is True only when every line checked out and a signature covers it all."""

    valid: bool
    checked_entries: int
    checked_checkpoints: int
    #: True when the entries formed the whole log from seq 0 (or from its start), so the tree itself was rebuilt.
    complete: bool
    #: The seq the log starts at (its start line's size; the entries before it were dropped), 0 when it has none.
    start_size: int
    #: The largest verified checkpoint.
    tree_size: int | None
    root_hash: str | None
    origin: str | None
    #: Where the keys that verified the checkpoints came from: ``keys=`` or the bundle's own key lines.
    keys_from: Literal["options", "bundle"]
    keys: list[str]
    #: Entries after the last signed checkpoint when the rest of the bundle checked out; they fail the
    #: check unless ``allow_unsigned`` was set. None when every entry is covered or the bundle failed otherwise.
    unsigned: UnsignedEntries | None
    #: The ``since`` checkpoint, when one was given and could be opened.
    since: SinceCheck | None
    first_broken_seq: int | None
    #: 1-based line number of the first bad line, or None when the problem is the bundle's end.
    first_bad_line: int | None
    problem: str | None


def describe_unsigned(unsigned: UnsignedEntries) -> str:
    """``"3 entries (seq 6–8) come"`` or ``"1 entry (seq 6) comes"``."""
    if unsigned.count == 1:
        return f"1 entry (seq {unsigned.first_seq}) comes"
    return f"{unsigned.count} entries (seq {unsigned.first_seq}–{unsigned.last_seq}) come"


# --- JSON as JavaScript reads it ---------------------------------------------------------------


def _js_number(text: str) -> int | float:
    """A JSON number as JavaScript holds it (a double); an int when that double is an integer of at most 2^53."""
    value = float(text)
    return int(value) if value.is_integer() and abs(value) <= 2**53 else value


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


_parse_json = json.JSONDecoder(parse_int=_js_number, parse_float=_js_number, parse_constant=_refuse_constant).decode

#: A key the line does not have (JavaScript's ``undefined``), apart from one that is null.
_MISSING = object()


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number_text(value: int | float) -> str:
    """A number as JavaScript writes it in a template string."""
    if isinstance(value, int):
        return str(value)
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    mantissa, _, exponent = repr(value).partition("e")
    # JavaScript writes positional digits for 1e-7 <= |n| < 1e21, Python's repr for 1e-4 <= |n| < 1e16.
    if not exponent or -7 < int(exponent) < 21:
        return format(Decimal(repr(value)), "f").removesuffix(".0")
    return f"{mantissa}e{int(exponent):+d}"


def _json_text(value: object) -> str:
    """``JSON.stringify`` of a value read from a line (``undefined`` when it is missing)."""
    if value is _MISSING:
        return "undefined"
    if _is_number(value):
        return _number_text(value)
    if isinstance(value, str):
        return js_json_string(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_ARRAY_INDEX = re.compile("0|[1-9][0-9]{0,9}")
_HEX64 = re.compile("[0-9a-f]{64}")
_DIGITS = re.compile("[0-9]*")


def _js_keys(obj: dict[str, object]) -> list[str]:
    """An object's keys in JavaScript's order (integer-like keys first, ascending), so the first problem named is the TS verifier's."""
    index = {k for k in obj if _ARRAY_INDEX.fullmatch(k) and int(k) < 2**32 - 1}
    return sorted(index, key=int) + [k for k in obj if k not in index]


# --- the checks --------------------------------------------------------------------------------


class _BundleProblem(ValueError):
    def __init__(self, message: str, seq: int | None = None) -> None:
        super().__init__(message)
        self.seq = seq


@dataclass
class _Failure:
    problem: str
    seq: int | None = None
    #: None when the problem is the bundle's end.
    line: int | None = None


@dataclass(frozen=True)
class _Tree:
    size: int
    root: bytes


@dataclass(frozen=True)
class _Signed(_Tree):
    """A signed checkpoint's tree, and the line that brought it."""

    line: int


def _entry_count(n: int | float) -> str:
    return f"{_number_text(n)} {'entry' if n == 1 else 'entries'}"


def _check_key_origin(key: NoteVerifier, origin: str) -> None:
    """A key line of another log: the bundle's key lines are its own log's keys, named for its origin."""
    if key.name != origin:
        raise _BundleProblem(f"a key line is for {js_json_string(key.name)}, not for this log ({js_json_string(origin)})")


def _hex_hashes(value: object, what: str) -> list[bytes]:
    if not isinstance(value, list) or len(value) > 64 or not all(isinstance(h, str) and _HEX64.fullmatch(h) for h in value):
        raise _BundleProblem(f"{what} must be a list of at most 64 hex hashes")
    return [bytes.fromhex(h) for h in value]


def _canonical_seq(canonical: str) -> int | float | None:
    """The top-level "seq" of an entry's canonical text: keys after "seq" hold only scalars, so the last match is it."""
    at = canonical.rfind('"seq":')
    if at < 0:
        return None
    digits = _DIGITS.match(canonical, at + 6)
    return _js_number(digits.group()) if digits and digits.group() else None


def _sealed_fields_problem(seq: int, canonical: str, fields: object, erased: object) -> str | None:
    """The problem with an entry's fields, or None when they hold (docs/adr/0023-erasure.md).

    A second-format entry (``"v":2``) holds one digest per erasable field under ``sealed``; each must have
    its value (whose salted digest matches) or an erasure by a later entry, and the line carries no field
    the entry did not seal. A first-format entry carries no fields.
    """
    if not canonical.endswith(',"v":2}'):
        return None if fields is _MISSING and erased is _MISSING else f"entry {seq}: it carries fields, but its format seals none"
    try:
        parsed = _parse_json(canonical)
    except (ValueError, RecursionError):
        return f"entry {seq}: its canonical text is not JSON"
    digests = parsed.get("sealed") if isinstance(parsed, dict) else None
    if not isinstance(digests, dict):
        return f'entry {seq}: a second-format entry seals its fields under "sealed"'
    present = {} if fields is _MISSING or fields is None else fields
    gone = {} if erased is _MISSING or erased is None else erased
    if not isinstance(present, dict):
        return f'entry {seq}: its "fields" is an object'
    if not isinstance(gone, dict):
        return f'entry {seq}: its "erased" is an object'
    for name in _js_keys(present):
        if name not in digests:
            return f"entry {seq}: field {name} was not sealed with the entry"
    for name in _js_keys(gone):
        if name not in digests:
            return f"entry {seq}: erased field {name} was not sealed with the entry"
    for name in _js_keys(digests):
        value = present.get(name, _MISSING)
        erasure = gone.get(name, _MISSING)
        if value is not _MISSING and erasure is not _MISSING:
            return f"entry {seq}: field {name} is both present and erased"
        if value is not _MISSING:
            if not isinstance(value, dict) or not isinstance(value.get("canonical"), str) or not isinstance(value.get("salt"), str):
                return f"entry {seq}: field {name} has its canonical text and salt"
            digest = hashlib.sha256(utf8_bytes(f"gatehouse:field:v1\n{name}\n{value['salt']}\n{value['canonical']}")).hexdigest()
            if digest != digests[name]:
                return f"entry {seq}: field {name} does not match the digest sealed with the entry (its value was changed or put back)"
        elif erasure is not _MISSING:
            by = erasure.get("seq") if isinstance(erasure, dict) else None
            if not is_safe_index(by) or by <= seq:
                return f"entry {seq}: erased field {name} names the erasure entry after it (its seq)"
        else:
            return f"entry {seq}: field {name} has neither its value nor an erasure"
    return None


class _BundleVerifier:
    """The TS ``BundleVerifier`` fed line by line: it stops checking at the first problem."""

    def __init__(self, keys: Sequence[str], origin: str | None, since: str | None, allow_unsigned: bool) -> None:
        self._trusted = [_trusted_key(i, key) for i, key in enumerate(keys)]
        self._allow_unsigned = allow_unsigned
        self._tree = TreeBuilder()
        self._bundle_keys: list[NoteVerifier] = []
        self._roots: dict[int, _Signed] = {}
        # Checkpoints the rebuilt tree has not reached yet: size -> line.
        self._pending: dict[int, int] = {}
        # The saved checkpoint, opened once the keys are known (before the first line that is not a key or header).
        self._since_note = since
        self._since: _Tree | None = None
        self._since_consistent = False
        self._line_no = 0
        # Lines that were not blank: the header must be the first of them, and a bundle has at least one.
        self._records = 0
        self.entries = 0
        self._checkpoints = 0
        self._complete = True
        # The start line's size: the rebuilt tree resumed there from its frontier (0: no start line).
        self._start_size = 0
        self._origin = origin
        self._largest: _Tree | None = None
        # The tree size and root the header says the bundle covers.
        self._claimed_size: int | float | None = None
        self._claimed_root: str | None = None
        # The entry at the largest checkpoint's size when it was placed: the first an unsigned tail would hold.
        self._tail_start: tuple[int, int] | None = None
        # A filtered bundle's last entry: its entries come once each, in seq order.
        self._last_proven_seq = -1
        # Consistency proofs checked: size2 -> the sizes proven to be its prefixes.
        self._prefixes_of: dict[int, list[int]] = {}
        self.failure: _Failure | None = None

    @property
    def placed(self) -> int:
        """Entries placed in the rebuilt tree (a complete bundle's)."""
        return self._tree.size

    def line(self, text: str) -> None:
        """Feeds one line (without its newline)."""
        self._line_no += 1
        if not text:
            return
        self._records += 1
        if self.failure is not None:
            return
        try:
            self._check(text)
        except ValueError as error:
            self.failure = _Failure(str(error), error.seq if isinstance(error, _BundleProblem) else None, self._line_no)

    def _verifiers(self) -> list[NoteVerifier]:
        return self._trusted or self._bundle_keys

    def _check(self, text: str) -> None:
        try:
            record = _parse_json(text)
        except (ValueError, RecursionError):
            raise _BundleProblem("not a JSON line") from None
        if isinstance(record, list):
            # An array is an object to JavaScript: the TS verifier refuses it as a line of type undefined.
            record = {}
        if not isinstance(record, dict):
            raise _BundleProblem("not a JSON object")
        kind = record.get("type", _MISSING)
        if kind != "key" and kind != "bundle":
            self._open_since()
        if kind == "entry":
            self._entry(record)
        elif kind == "checkpoint":
            self._checkpoint(record.get("note"))
        elif kind == "key":
            vkey = record.get("vkey")
            if not isinstance(vkey, str):
                raise _BundleProblem("a key line has a vkey string")
            key = parse_verifier_key(vkey)
            if self._origin is not None:
                _check_key_origin(key, self._origin)
            self._bundle_keys.append(key)
        elif kind == "consistency":
            self._consistency(record)
        elif kind == "start":
            self._start(record)
        elif kind == "bundle":
            self._header(record)
        else:
            raise _BundleProblem(f"unknown line type {_json_text(kind)}")

    def _header(self, record: dict[str, object]) -> None:
        if self._records != 1:
            raise _BundleProblem("a bundle header comes only once, as the first line")
        origin, tree_size, root_hash = record.get("origin"), record.get("treeSize"), record.get("rootHash")
        if isinstance(origin, str):
            self._set_origin(origin)
        if _is_number(tree_size):
            self._claimed_size = tree_size
        if isinstance(root_hash, str):
            self._claimed_root = root_hash
        # A filtered export proves each entry it holds, and may hold none.
        if record.get("filter") is not None:
            self._complete = False

    def _start(self, record: dict[str, object]) -> None:
        """The log starts at seq ``size`` (the entries before it were dropped under the org's retention): the
        rebuilt tree resumes there from the frontier, whose root the signed checkpoints still cover."""
        if self._start_size > 0 or self.entries > 0 or self._checkpoints > 0:
            raise _BundleProblem("a start line comes once, before any entry or checkpoint")
        if not self._complete:
            raise _BundleProblem("a filtered bundle proves each entry and has no start line")
        size = record.get("size")
        if not is_safe_index(size) or size < 1:
            raise _BundleProblem("a start line's size is a positive integer")
        frontier = _hex_hashes(record.get("frontier"), "a start line's frontier")
        subtrees = size.bit_count()
        if len(frontier) != subtrees:
            raise _BundleProblem(
                f"a start line of size {size} has {len(frontier)} frontier hashes, not one per perfect subtree ({subtrees})"
            )
        self._start_size = size
        self._tree = TreeBuilder.resume(size, frontier)
        if self._since is not None and self._since.size == size:
            self._compare_since(self._since)

    def _set_origin(self, origin: str) -> None:
        if self._origin is None:
            for key in self._bundle_keys:
                _check_key_origin(key, origin)
            self._origin = origin
        elif self._origin != origin:
            raise _BundleProblem(f"origin {js_json_string(origin)} differs from {js_json_string(self._origin)}: these are different logs")

    def _entry(self, record: dict[str, object]) -> None:
        seq, canonical, leaf_hash = record.get("seq"), record.get("canonical"), record.get("leafHash")
        if not is_safe_index(seq):
            raise _BundleProblem("an entry's seq is a non-negative integer")
        if not isinstance(canonical, str):
            raise _BundleProblem("an entry has its canonical text", seq)
        if not isinstance(leaf_hash, str):
            raise _BundleProblem("an entry's leafHash is 64 hex characters", seq)
        leaf = hash_leaf(canonical)
        # Equal to a hex digest means well-formed too: no separate format check on this hot path.
        if leaf.hex() != leaf_hash:
            raise _BundleProblem(f"entry {seq}: its leaf hash does not match its canonical text (the entry was edited)", seq)
        stated = _canonical_seq(canonical)
        if stated != seq:
            # The entry first recorded at `stated` now sits at `seq`: the log differs from the earlier of the two on.
            stated_text = "null" if stated is None else _number_text(stated)
            # A stated seq that is not an int is beyond 2^53, past every entry.
            first = min(seq, stated) if isinstance(stated, int) else seq
            raise _BundleProblem(
                f"entry {seq}: its canonical text records seq {stated_text} (entries were moved, inserted or removed)", first
            )
        problem = _sealed_fields_problem(seq, canonical, record.get("fields", _MISSING), record.get("erased", _MISSING))
        if problem is not None:
            raise _BundleProblem(problem, seq)
        self.entries += 1
        proof = record.get("proof", _MISSING)
        if proof is _MISSING:
            self._place(seq, leaf)
            return
        if self._tree.size > 0:
            before = "the bundle has a start line" if self._start_size > 0 else "earlier entries did not"
            raise _BundleProblem(f"entry {seq} has a proof, but {before}: a bundle is either whole or filtered", seq)
        self._complete = False
        self._proven(seq, leaf, proof)

    def _place(self, seq: int, leaf: bytes) -> None:
        """An entry without a proof takes the next place in the rebuilt tree."""
        if not self._complete:
            raise _BundleProblem(f"entry {seq} has no proof, but the bundle is filtered: each of its entries carries one", seq)
        size = self._tree.size
        if seq > size:
            # A gap breaks the log at the missing entry; a repeat at the position claimed twice.
            raise _BundleProblem(f"entry {size} is missing (the next entry is {seq})", size)
        if seq < size:
            raise _BundleProblem(f"a second entry {seq} appears after entry {size - 1} (an entry was inserted)", seq)
        if seq == (self._largest.size if self._largest else self._start_size):
            self._tail_start = (seq, self._line_no)
        self._tree.push(leaf)
        at = self._pending.get(self._tree.size)
        if at is not None:
            self._compare_root(self._tree.size, at)
        if self._since is not None and self._since.size == self._tree.size:
            self._compare_since(self._since)

    def _proven(self, seq: int, leaf: bytes, proof: object) -> None:
        if seq <= self._last_proven_seq:
            if seq == self._last_proven_seq:
                raise _BundleProblem(f"entry {seq} appears twice", seq)
            raise _BundleProblem(
                f"entry {seq} comes after entry {self._last_proven_seq}: a filtered bundle lists its entries in seq order", seq
            )
        self._last_proven_seq = seq
        if not isinstance(proof, dict) or not _is_number(tree_size := proof.get("treeSize")):
            raise _BundleProblem(f"entry {seq}: a proof has a treeSize and hashes", seq)
        known = self._signed_at(tree_size)
        if known is None:
            raise _BundleProblem(
                f"entry {seq}: its proof is for tree size {_number_text(tree_size)}, but no checkpoint of that size came before it", seq
            )
        computed = root_from_inclusion_proof(seq, known.size, leaf, _hex_hashes(proof.get("hashes"), f"entry {seq}'s proof"))
        if isinstance(computed, str):
            raise _BundleProblem(f"entry {seq}: {computed}", seq)
        if computed != known.root:
            raise _BundleProblem(f"entry {seq} is not in the tree of the checkpoint at line {known.line}", seq)

    def _checkpoint(self, note: object) -> None:
        if not isinstance(note, str):
            raise _BundleProblem("a checkpoint line has a note string")
        verifiers = self._verifiers()
        if not verifiers:
            raise _BundleProblem("a checkpoint came before any verifier key")
        body = self._open_checkpoint(note, verifiers)
        if body.size < self._start_size:
            raise _BundleProblem(
                f"the checkpoint of size {body.size} is from before the log's start (seq {self._start_size});"
                " a bundle that starts there carries none"
            )
        seen = self._roots.get(body.size)
        if seen is not None and seen.root != body.root_hash:
            raise _BundleProblem(
                f"two signed checkpoints of size {body.size} with different roots (lines {seen.line} and {self._line_no}): the log forked"
            )
        self._roots[body.size] = _Signed(body.size, body.root_hash, self._line_no)
        self._checkpoints += 1
        if self._largest is None or body.size > self._largest.size:
            self._largest = _Tree(body.size, body.root_hash)
        if self._complete and body.size <= self._tree.size:
            # Only possible for a checkpoint placed after later entries; compare against the rebuilt root now.
            if body.size != self._tree.size:
                raise _BundleProblem(
                    f"the checkpoint of size {body.size} comes after entry {self._tree.size - 1};"
                    " a bundle places each checkpoint right after its last entry"
                )
            self._compare_root(body.size, self._line_no)
        else:
            self._pending[body.size] = self._line_no
        if self._since is not None and self._since.size == body.size:
            self._compare_since(self._since)

    def _open_checkpoint(self, note: str, verifiers: Sequence[NoteVerifier]) -> CheckpointBody:
        """Opens a checkpoint note: a verified signature by a key named for the log the checkpoint is of
        (the key name is the origin), and that origin this bundle's."""
        opened = open_note(note, verifiers)
        body = parse_checkpoint(opened.text)
        self._set_origin(body.origin)
        if not any(key.name == body.origin for key in opened.verified):
            names = ", ".join(js_json_string(name) for name in dict.fromkeys(key.name for key in opened.verified))
            raise _BundleProblem(
                f"the checkpoint of {js_json_string(body.origin)} is signed only by a key of {names}, not by that log's key"
            )
        return body

    def _compare_root(self, size: int, line: int) -> None:
        self._pending.pop(size, None)
        expected = self._roots.get(size)
        if expected is not None and self._tree.root() != expected.root:
            raise _BundleProblem(
                f"the entries up to seq {size - 1} do not match the signed checkpoint at line {line}"
                " (an entry before it was altered, added or removed, or the log forked)",
                size - 1,
            )

    def _compare_since(self, since: _Tree) -> None:
        size = since.size
        signed = self._roots.get(size)
        root = signed.root if signed else (self._tree.root() if self._complete and self._tree.size == size else None)
        if root is None:
            return
        if root != since.root:
            raise _BundleProblem(
                f"the log at size {size} differs from your saved checkpoint: it was rewritten, not only appended to", size - 1
            )
        self._since_consistent = True

    def _consistency(self, record: dict[str, object]) -> None:
        size1, size2 = record.get("size1"), record.get("size2")
        if not _is_number(size1) or not _is_number(size2):
            raise _BundleProblem("a consistency line has size1 and size2")
        from_since = self._since is not None and size1 == self._since.size
        first = self._since if from_since else self._signed_at(size1)
        second = self._signed_at(size2)
        if first is None or second is None:
            raise _BundleProblem(
                f"a consistency proof from {_number_text(size1)} to {_number_text(size2)} needs both checkpoints before it"
            )
        proof = _hex_hashes(record.get("proof"), "a consistency proof")
        reason = verify_consistency(first.size, second.size, proof, first.root, second.root)
        if reason is not None:
            raise _BundleProblem(f"the log of size {second.size} is not an extension of size {first.size}: {reason}")
        if from_since:
            self._since_consistent = True
        self._prefixes_of.setdefault(second.size, []).append(first.size)

    def _signed_at(self, size: int | float) -> _Signed | None:
        """The signed checkpoint of a size read from a line; its sizes are all safe integers."""
        return self._roots.get(size) if is_safe_index(size) else None

    def _proven_prefixes(self, size: int) -> set[int]:
        """The tree sizes consistency proofs show to be prefixes of the tree of ``size`` (itself included)."""
        seen: set[int] = set()
        queue = [size]
        while queue:
            next_size = queue.pop()
            if next_size not in seen:
                seen.add(next_size)
                queue.extend(self._prefixes_of.get(next_size, []))
        return seen

    def _open_since(self) -> None:
        note = self._since_note
        if note is None:
            return
        self._since_note = None
        try:
            body = self._open_checkpoint(note, self._verifiers())
        except ValueError as error:
            raise _BundleProblem(f"your saved checkpoint: {error}") from None
        self._since = _Tree(body.size, body.root_hash)
        self._since_consistent = body.size == 0

    def _unsigned_tail(self) -> UnsignedEntries | None:
        """The entries past the largest signed checkpoint, once the whole bundle was read."""
        signed = self._largest.size if self._largest else 0
        if self._checkpoints == 0 or self._tree.size <= signed:
            return None
        return UnsignedEntries(count=self._tree.size - signed, first_seq=signed, last_seq=self._tree.size - 1)

    def _end_problem(self) -> _Failure | None:
        """What the bundle as a whole fails on once every line passed, before its unsigned tail."""
        if self._records == 0:
            return _Failure("the bundle is empty: it has no header, key, entry or checkpoint")
        if self._largest is None:
            if self.entries == 0:
                return _Failure("the bundle has no signed checkpoint")
            return _Failure(
                f"the bundle has no signed checkpoint, so nothing ties its {_entry_count(self.entries)} to the log",
                self._start_size if self._complete else None,
            )
        largest_size = self._largest.size
        if self._complete and self._pending:
            size = min(self._pending)
            return _Failure(
                f"the bundle ends after {_entry_count(self._tree.size)},"
                f" but the checkpoint at line {self._pending[size]} covers {size}: entries were cut off",
                self._tree.size,
            )
        if self._claimed_size is not None:
            claimed = self._signed_at(self._claimed_size)
            if claimed is None:
                return _Failure(
                    f"the bundle says it covers {_entry_count(self._claimed_size)},"
                    " but it ends without the checkpoint of that size: it was cut off",
                    self._tree.size if self._complete else None,
                )
            if largest_size != self._claimed_size:
                return _Failure(
                    f"the bundle says it covers {_entry_count(self._claimed_size)}, but it holds a signed checkpoint of size {largest_size}"
                )
            if self._claimed_root is not None and self._claimed_root != claimed.root.hex():
                return _Failure(
                    f"the bundle's header names root {self._claimed_root} for tree size {_number_text(self._claimed_size)},"
                    f" but the signed checkpoint of that size has root {claimed.root.hex()}"
                )
        if not self._complete:
            prefixes = self._proven_prefixes(largest_size)
            for size, signed in self._roots.items():
                if size not in prefixes:
                    return _Failure(
                        f"the checkpoint of size {size} at line {signed.line} is not proven to be part of the log of size {largest_size}:"
                        " a filtered bundle carries a consistency proof from each smaller checkpoint to its largest"
                    )
        return None

    def _unsigned_problem(self, unsigned: UnsignedEntries) -> _Failure:
        one = unsigned.count == 1
        return _Failure(
            f"{describe_unsigned(unsigned)} after the last signed checkpoint (tree size {unsigned.first_seq}):"
            f" no signature covers {'it' if one else 'them'}, so nothing shows {'it is' if one else 'they are'} the log's",
            unsigned.first_seq,
            self._tail_start[1] if self._tail_start and self._tail_start[0] == unsigned.first_seq else None,
        )

    def _since_problem(self) -> _Failure | None:
        if self._since is None or self._since_consistent:
            return None
        size = self._since.size
        if size < self._start_size:
            return _Failure(
                f"your saved checkpoint has size {size}, but this bundle starts at seq {self._start_size}"
                " (the entries before it were dropped under the org's retention): it cannot show the log only grew since"
            )
        reached = self._largest.size if self._largest else 0
        if size > reached:
            return _Failure(f"your saved checkpoint has size {size}, but this bundle only reaches {reached}: the log shrank or the bundle is older")
        return _Failure(f"this bundle holds no proof that the log of size {size} grew into it (export it whole, or with sinceSize)")

    def finish(self) -> BundleReport:
        if self.failure is None:
            try:
                self._open_since()
            except ValueError as error:
                self.failure = _Failure(str(error))
        # The unsigned tail is reported when it is all there is to say: the bundle is otherwise valid.
        unsigned: UnsignedEntries | None = None
        if self.failure is None:
            self.failure = self._end_problem()
            unsigned = None if self.failure else self._unsigned_tail()
            if unsigned is not None and not self._allow_unsigned:
                self.failure = self._unsigned_problem(unsigned)
            if self.failure is None:
                self.failure = self._since_problem()
        failure = self.failure
        return BundleReport(
            valid=failure is None,
            checked_entries=self.entries,
            checked_checkpoints=self._checkpoints,
            complete=self._complete and self.entries > 0,
            start_size=self._start_size,
            tree_size=self._largest.size if self._largest else None,
            root_hash=self._largest.root.hex() if self._largest else None,
            origin=self._origin,
            keys_from="options" if self._trusted else "bundle",
            keys=[key.vkey for key in self._verifiers()],
            unsigned=unsigned,
            since=SinceCheck(self._since.size, self._since.root.hex(), self._since_consistent) if self._since else None,
            first_broken_seq=failure.seq if failure else None,
            first_bad_line=failure.line if failure else None,
            problem=failure.problem if failure else None,
        )


def _trusted_key(index: int, vkey: str) -> NoteVerifier:
    try:
        return parse_verifier_key(vkey)
    except ValueError as error:
        raise ValueError(f"keys[{index}]: {js_json_string(vkey[:80])} is not a verifier key ({error})") from None


def _split_lines(chunks: Iterable[bytes | str]) -> Iterator[bytes]:
    """Lines of a chunked stream, split on b"\\n" of its UTF-8 bytes; holds one chunk plus a partial line."""
    partial: list[bytes] = []
    for chunk in chunks:
        data = utf8_bytes(chunk) if isinstance(chunk, str) else bytes(chunk)
        *complete, rest = data.split(b"\n")
        if complete:
            yield b"".join([*partial, complete[0]])
            yield from complete[1:]
            partial = []
        partial.append(rest)
    tail = b"".join(partial)
    if tail:
        yield tail


def verify_bundle(
    source: BundleSource,
    *,
    keys: Sequence[str] | None = None,
    origin: str | None = None,
    since: str | None = None,
    allow_unsigned: bool = False,
    on_progress: Callable[[int], None] | None = None,
    progress_every: int = 50_000,
) -> BundleReport:
    """Checks a whole audit bundle: every leaf, the tree against every checkpoint, every signature, and
    with ``since`` that the log only grew. Never raises for a bad bundle: the report says why.

    ``source`` is a path of a bundle file (a ``str`` is always a path: pass bundle text as bytes), the
    bundle's bytes, or an iterable of its chunks (bytes or str, split anywhere). A file or chunked
    stream is read line by line, never whole.

    ``keys``: the verifier keys to trust, obtained another way than the bundle. Without them
    the bundle's own key lines are used, which whoever altered the bundle could have replaced too
    (``report.keys_from == "bundle"``). A malformed key is a ValueError naming it.
    ``origin``: the log's expected origin (``gatehouse/<orgId>``); checkpoints of another log are refused.
    ``since``: a signed checkpoint note saved earlier: the bundle must show the log only grew since.
    ``allow_unsigned``: accept entries after the last signed checkpoint (they stay in ``report.unsigned``).
    ``on_progress``: called every ``progress_every`` entries of a complete bundle with the number checked.

    Raises OSError when the file cannot be read, and ``MissingCryptography`` when a signature is to be
    checked without the ``cryptography`` package.
    """
    if progress_every < 1:
        raise ValueError("progress_every is a positive number of entries")
    verifier = _BundleVerifier(keys or (), origin, since, allow_unsigned)

    def feed(lines: Iterable[bytes]) -> None:
        for raw in lines:
            placed = verifier.placed
            verifier.line(raw.removesuffix(b"\n").decode("utf-8", "replace"))
            if verifier.failure is not None:
                return
            # Called outside the checks, so that an exception of the callback reaches the caller.
            if on_progress is not None and verifier.placed > placed and verifier.entries % progress_every == 0:
                on_progress(verifier.entries)

    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as file:
            feed(file)
    elif isinstance(source, (bytes, bytearray, memoryview)):
        feed(io.BytesIO(source))
    else:
        feed(_split_lines(source))
    return verifier.finish()

