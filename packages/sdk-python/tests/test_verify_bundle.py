"""verify_bundle on bundles built here as the export writes them (docs/audit.md), intact and tampered
with, mirroring packages/tlog/test/bundle.test.ts and fields.test.ts. Problem sentences are asserted
in full where TypeScript's tests name them, so the two verifiers cannot drift apart."""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from functools import partial
from pathlib import Path
from typing import Any, Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from gatehouse._tlog import EMPTY_ROOT, hash_children, hash_leaf
from gatehouse.verify import BundleReport, MissingCryptography, SinceCheck, UnsignedEntries, describe_unsigned, verify_bundle

ORIGIN = "gatehouse/org_bundletest"
dumps = partial(json.dumps, separators=(",", ":"), ensure_ascii=False)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def verifier_key(name: str, key: Ed25519PrivateKey) -> str:
    """``<name>+<key hash>+<base64(0x01 ‖ public key)>``, as packages/tlog/src/note.ts makes it."""
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key_hash = hashlib.sha256(f"{name}\n".encode() + b"\x01" + public).digest()[:4]
    return f"{name}+{key_hash.hex()}+{b64(bytes([1]) + public)}"


def sign_note(text: str, name: str, key: Ed25519PrivateKey) -> str:
    """A C2SP signed note with one signature, as note.ts signNote writes it."""
    key_hash = bytes.fromhex(verifier_key(name, key).split("+")[1])
    return f"{text}\n\u2014 {name} {b64(key_hash + key.sign(text.encode()))}\n"


KEY = Ed25519PrivateKey.generate()
VKEY = verifier_key(ORIGIN, KEY)


def checkpoint(size: int, root: bytes) -> str:
    return sign_note(f"{ORIGIN}\n{size}\n{b64(root)}\n", ORIGIN, KEY)


def mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 MTH, straight from its definition."""
    if len(leaves) <= 1:
        return leaves[0] if leaves else EMPTY_ROOT
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hash_children(mth(leaves[:k]), mth(leaves[k:]))


def inclusion_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 6962 §2.1.1 PATH(m, D[n])."""
    if len(leaves) == 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return inclusion_path(m, leaves[:k]) + [mth(leaves[k:])] if m < k else inclusion_path(m - k, leaves[k:]) + [mth(leaves[:k])]


def consistency_path(m: int, leaves: list[bytes], complete: bool = True) -> list[bytes]:
    """RFC 6962 §2.1.2 SUBPROOF(m, D[n], b)."""
    if m == len(leaves):
        return [] if complete else [mth(leaves)]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if m <= k:
        return consistency_path(m, leaves[:k], complete) + [mth(leaves[k:])]
    return consistency_path(m - k, leaves[k:], False) + [mth(leaves[:k])]


def first_format(seq: int) -> dict[str, Any]:
    # Non-ASCII text, so chunks split inside a character too.
    canonical = dumps({"data": {"note": f"entry {seq} ✓", "quote": '"'}, "id": f"aud_{seq}", "seq": seq, "type": "test.note", "v": 1})
    return {"canonical": canonical}


def second_format(seq: int) -> dict[str, Any]:
    """An entry sealing two erasable fields (docs/adr/0023-erasure.md), with their values beside it."""
    fields = {
        "message": {"canonical": '"sent"', "salt": f"1{seq}"},
        "metadata": {"canonical": dumps({"to": f"p{seq}@example.com"}), "salt": f"0{seq}"},
    }
    sealed = {
        name: hashlib.sha256(f"gatehouse:field:v1\n{name}\n{f['salt']}\n{f['canonical']}".encode()).hexdigest() for name, f in fields.items()
    }
    canonical = f'{{"data":{{"actionType":"a.b"}},"id":"aud_{seq}","sealed":{dumps(sealed)},"seq":{seq},"type":"action.decided","v":2}}'
    return {"canonical": canonical, "fields": fields}


N = 60
RECORDS = [{"type": "entry", "seq": seq, **first_format(seq)} for seq in range(N)]
LEAVES = [hash_leaf(r["canonical"]) for r in RECORDS]


def bundle(records: list[dict[str, Any]], every: int = 7, header: bool = True) -> list[str]:
    """A whole bundle as the export writes it: header, key, entries with a checkpoint after every ``every``."""
    leaves = [hash_leaf(r["canonical"]) for r in records]
    lines = [dumps({"type": "bundle", "version": 1, "origin": ORIGIN, "treeSize": len(records), "filter": None})] if header else []
    lines.append(dumps({"type": "key", "vkey": VKEY}))
    for seq, record in enumerate(records):
        lines.append(dumps({**record, "leafHash": leaves[seq].hex()}))
        if (seq + 1) % every == 0 or seq == len(records) - 1:
            lines.append(dumps({"type": "checkpoint", "size": seq + 1, "note": checkpoint(seq + 1, mth(leaves[: seq + 1]))}))
    return lines


LINES = bundle(RECORDS)


def at(seq: int) -> int:
    """The index of entry ``seq``'s line in LINES (its line number is one more)."""
    return next(i for i, line in enumerate(LINES) if line.startswith(f'{{"type":"entry","seq":{seq},'))


def filtered(seqs: list[int], *extra: str) -> list[str]:
    """A filtered export: the checkpoint first, then each entry with its inclusion proof."""
    header = dumps({"type": "bundle", "version": 1, "origin": ORIGIN, "treeSize": N, "filter": {"agentId": "agt_x"}})
    lines = [header, dumps({"type": "key", "vkey": VKEY}), dumps({"type": "checkpoint", "note": checkpoint(N, mth(LEAVES))}), *extra]
    for seq in seqs:
        proof = {"treeSize": N, "hashes": [h.hex() for h in inclusion_path(seq, LEAVES)]}
        lines.append(dumps({**RECORDS[seq], "leafHash": LEAVES[seq].hex(), "proof": proof}))
    return lines


def edited(lines: list[str], index: int, change: Callable[[dict[str, Any]], object]) -> list[str]:
    record = json.loads(lines[index])
    change(record)
    return [*lines[:index], dumps(record), *lines[index + 1 :]]


def recompute_leaf(record: dict[str, Any]) -> None:
    record["canonical"] = record["canonical"].replace("entry 20 ", "entry 21 ")
    record["leafHash"] = hash_leaf(record["canonical"]).hex()


def verify(lines: list[str], **options: Any) -> BundleReport:
    """The report for the bundle given whole, and in chunks (bytes and str) that split lines anywhere: all the same."""
    text = "".join(f"{line}\n" for line in lines)
    data = text.encode()
    report = verify_bundle(data, **options)
    assert verify_bundle((data[i : i + 97] for i in range(0, len(data), 97)), **options) == report
    assert verify_bundle([text[i : i + 13] for i in range(0, len(text), 13)], **options) == report
    return report


OTHER_KEY = Ed25519PrivateKey.generate()
TAIL = [dumps({"type": "bundle", "version": 1, "origin": ORIGIN, "treeSize": 56}), *LINES[1:-1]]
CONSISTENCY_14 = dumps({"type": "consistency", "size1": 14, "size2": N, "proof": [h.hex() for h in consistency_path(14, LEAVES)]})
SECOND = bundle([{"type": "entry", "seq": seq, **second_format(seq)} for seq in range(4)], header=False)


def erase(record: dict[str, Any], name: str, by: int) -> None:
    del record["fields"][name]
    record.setdefault("erased", {})[name] = {"seq": by}


CASES: list[Any] = [
    (
        "intact",
        LINES,
        {},
        dict(
            valid=True,
            checked_entries=60,
            checked_checkpoints=9,
            complete=True,
            start_size=0,
            tree_size=60,
            root_hash=mth(LEAVES).hex(),
            origin=ORIGIN,
            keys_from="options",
            keys=[VKEY],
            unsigned=None,
            first_broken_seq=None,
            first_bad_line=None,
            problem=None,
        ),
    ),
    ("the bundle's own keys, and it says so", LINES, {"keys": None}, dict(valid=True, keys_from="bundle", keys=[VKEY])),
    ("signed by another key", LINES, {"keys": [verifier_key(ORIGIN, OTHER_KEY)]}, dict(valid=False, first_bad_line=at(6) + 2, problem="the note has no signature by a known key")),
    (
        "a checkpoint signed by a key of another name",
        [*LINES[:2], dumps({"type": "checkpoint", "note": sign_note(f"{ORIGIN}\n0\n{b64(EMPTY_ROOT)}\n", "gatehouse/org_other", OTHER_KEY)})],
        {"keys": [VKEY, verifier_key("gatehouse/org_other", OTHER_KEY)]},
        dict(valid=False, first_bad_line=3, problem='the checkpoint of "gatehouse/org_bundletest" is signed only by a key of "gatehouse/org_other", not by that log\'s key'),
    ),
    (
        "a key line of another log",
        [*LINES[:2], dumps({"type": "key", "vkey": verifier_key("gatehouse/org_other", OTHER_KEY)}), *LINES[2:]],
        {"keys": None},
        dict(valid=False, first_bad_line=3, problem='a key line is for "gatehouse/org_other", not for this log ("gatehouse/org_bundletest")'),
    ),
    (
        "an edited entry",
        [*LINES[: at(20)], LINES[at(20)].replace("entry 20 ", "entry 21 "), *LINES[at(20) + 1 :]],
        {},
        dict(valid=False, first_broken_seq=20, first_bad_line=at(20) + 1, problem="entry 20: its leaf hash does not match its canonical text (the entry was edited)"),
    ),
    (
        "an edit whose leaf hash was recomputed, caught at the next checkpoint",
        edited(LINES, at(20), recompute_leaf),
        {},
        dict(
            valid=False,
            first_broken_seq=20,
            first_bad_line=at(20) + 2,
            problem=f"the entries up to seq 20 do not match the signed checkpoint at line {at(20) + 2} (an entry before it was altered, added or removed, or the log forked)",
        ),
    ),
    (
        "an edit caught at a checkpoint placed before the entries it covers",
        edited([*LINES[: at(14)], LINES[at(20) + 1], *LINES[at(14) : at(20) + 1], *LINES[at(20) + 2 :]], at(20) + 1, recompute_leaf),
        {},
        dict(
            valid=False,
            first_broken_seq=20,
            first_bad_line=at(20) + 2,
            problem=f"the entries up to seq 20 do not match the signed checkpoint at line {at(14) + 1} (an entry before it was altered, added or removed, or the log forked)",
        ),
    ),
    ("a missing entry", [*LINES[: at(30)], *LINES[at(30) + 1 :]], {}, dict(valid=False, first_broken_seq=30, problem="entry 30 is missing (the next entry is 31)")),
    (
        "a repeated entry",
        [*LINES[: at(31)], LINES[at(30)], *LINES[at(31) :]],
        {},
        dict(valid=False, first_broken_seq=30, problem="a second entry 30 appears after entry 30 (an entry was inserted)"),
    ),
    (
        "two entries swapped",
        [*LINES[: at(33)], LINES[at(40)], *LINES[at(33) + 1 : at(40)], LINES[at(33)], *LINES[at(40) + 1 :]],
        {},
        dict(valid=False, first_broken_seq=33, first_bad_line=at(33) + 1),
    ),
    (
        "an entry renumbered to fill a gap",
        edited([*LINES[: at(30)], *LINES[at(30) + 1 :]], at(30), lambda r: r.update(seq=30)),
        {},
        dict(valid=False, first_broken_seq=30, problem="entry 30: its canonical text records seq 31 (entries were moved, inserted or removed)"),
    ),
    (
        "cut off before an entry",
        LINES[: at(45)],
        {},
        dict(valid=False, first_broken_seq=45, first_bad_line=None, problem="the bundle says it covers 60 entries, but it ends without the checkpoint of that size: it was cut off"),
    ),
    (
        "a checkpoint beyond the entries",
        [*LINES[: at(57)], LINES[-1]],
        {},
        dict(valid=False, first_broken_seq=57, problem=f"the bundle ends after 57 entries, but the checkpoint at line {at(57) + 1} covers 60: entries were cut off"),
    ),
    (
        "cut off before its last checkpoint line",
        LINES[:-1],
        {},
        dict(valid=False, first_broken_seq=60, problem="the bundle says it covers 60 entries, but it ends without the checkpoint of that size: it was cut off"),
    ),
    (
        "an unsigned tail",
        TAIL,
        {},
        dict(
            valid=False,
            unsigned=UnsignedEntries(count=4, first_seq=56, last_seq=59),
            first_broken_seq=56,
            first_bad_line=at(56) + 1,
            tree_size=56,
            problem="4 entries (seq 56–59) come after the last signed checkpoint (tree size 56): no signature covers them, so nothing shows they are the log's",
        ),
    ),
    (
        "an unsigned tail, allowed",
        TAIL,
        {"allow_unsigned": True},
        dict(valid=True, unsigned=UnsignedEntries(count=4, first_seq=56, last_seq=59), problem=None, tree_size=56, checked_entries=60),
    ),
    ("intact, unsigned allowed", LINES, {"allow_unsigned": True}, dict(valid=True, unsigned=None)),
    (
        "no checkpoint",
        [line for line in LINES if '"checkpoint"' not in line],
        {},
        dict(valid=False, first_broken_seq=0, problem="the bundle has no signed checkpoint, so nothing ties its 60 entries to the log"),
    ),
    ("a line that is not JSON", [*LINES[:5], "not json", *LINES[5:]], {}, dict(valid=False, first_bad_line=6, problem="not a JSON line")),
    ("a line that is not an object", [*LINES[:5], "[1]", *LINES[5:]], {}, dict(valid=False, first_bad_line=6, problem="unknown line type undefined")),
    ("empty", [], {}, dict(valid=False, checked_entries=0, complete=False, problem="the bundle is empty: it has no header, key, entry or checkpoint")),
    (
        "since a checkpoint it grew from",
        LINES,
        {"since": checkpoint(14, mth(LEAVES[:14]))},
        dict(valid=True, since=SinceCheck(tree_size=14, root_hash=mth(LEAVES[:14]).hex(), consistent=True)),
    ),
    (
        "since a checkpoint of a rewritten log",
        LINES,
        {"since": checkpoint(14, mth(LEAVES[1:15]))},
        dict(valid=False, first_broken_seq=13, problem="the log at size 14 differs from your saved checkpoint: it was rewritten, not only appended to"),
    ),
    (
        "since a checkpoint the bundle does not reach",
        LINES,
        {"since": checkpoint(70, EMPTY_ROOT)},
        dict(valid=False, problem="your saved checkpoint has size 70, but this bundle only reaches 60: the log shrank or the bundle is older"),
    ),
    (
        "since a checkpoint of another log",
        LINES,
        {"since": sign_note(f"gatehouse/org_other\n14\n{b64(mth(LEAVES[:14]))}\n", ORIGIN, KEY)},
        dict(valid=False, first_bad_line=3, problem='your saved checkpoint: origin "gatehouse/org_other" differs from "gatehouse/org_bundletest": these are different logs'),
    ),
    ("filtered", filtered([3, 17, 42]), {}, dict(valid=True, complete=False, checked_entries=3, tree_size=60)),
    (
        "filtered, since a checkpoint with its consistency proof",
        filtered([3, 17], CONSISTENCY_14),
        {"since": checkpoint(14, mth(LEAVES[:14]))},
        dict(valid=True, complete=False, since=SinceCheck(tree_size=14, root_hash=mth(LEAVES[:14]).hex(), consistent=True)),
    ),
    (
        "filtered, since a checkpoint with no consistency proof",
        filtered([3, 17]),
        {"since": checkpoint(14, mth(LEAVES[:14]))},
        dict(valid=False, problem="this bundle holds no proof that the log of size 14 grew into it (export it whole, or with sinceSize)"),
    ),
    (
        "filtered, a smaller checkpoint not proven part of the largest",
        [*filtered([3, 17]), dumps({"type": "checkpoint", "note": checkpoint(14, mth(LEAVES[:14]))})],
        {},
        dict(
            valid=False,
            first_bad_line=None,
            problem="the checkpoint of size 14 at line 6 is not proven to be part of the log of size 60: a filtered bundle carries a consistency proof from each smaller checkpoint to its largest",
        ),
    ),
    (
        "filtered, an entry whose proof leads elsewhere",
        edited(filtered([3, 17]), 4, lambda r: r["proof"]["hashes"].reverse()),
        {},
        dict(valid=False, first_broken_seq=17, first_bad_line=5, problem="entry 17 is not in the tree of the checkpoint at line 3"),
    ),
    (
        "filtered, entries out of order",
        filtered([17, 3]),
        {},
        dict(valid=False, first_broken_seq=3, problem="entry 3 comes after entry 17: a filtered bundle lists its entries in seq order"),
    ),
    ("second format, every field present", SECOND, {}, dict(valid=True, checked_entries=4)),
    ("second format, fields erased by a later entry", edited(SECOND, 3, lambda r: erase(r, "metadata", 9)), {}, dict(valid=True)),
    (
        "second format, a value changed",
        edited(SECOND, 3, lambda r: r["fields"]["metadata"].update(canonical='{"to":"someone@else"}')),
        {},
        dict(valid=False, first_broken_seq=2, problem="entry 2: field metadata does not match the digest sealed with the entry (its value was changed or put back)"),
    ),
    (
        "second format, an erasure naming an entry before it",
        edited(SECOND, 3, lambda r: erase(r, "metadata", 0)),
        {},
        dict(valid=False, first_broken_seq=2, problem="entry 2: erased field metadata names the erasure entry after it (its seq)"),
    ),
    (
        "second format, a field dropped",
        edited(SECOND, 3, lambda r: r["fields"].pop("message")),
        {},
        dict(valid=False, first_broken_seq=2, problem="entry 2: field message has neither its value nor an erasure"),
    ),
    (
        "first format carrying fields",
        edited(LINES, at(2), lambda r: r.update(fields={})),
        {},
        dict(valid=False, first_broken_seq=2, problem="entry 2: it carries fields, but its format seals none"),
    ),
]


# --- a log that starts at seq S (its entries below S dropped under the org's retention) --------------

#: A log of ten entries: the first ten of RECORDS.
TEN = 10


def frontier(size: int) -> list[str]:
    """The tree's frontier at ``size``: the MTH of each perfect subtree covering [0, size), largest first."""
    hashes, begin = [], 0
    for width in (1 << bit for bit in reversed(range(size.bit_length()))):
        if size & width:
            hashes.append(mth(LEAVES[begin : begin + width]).hex())
            begin += width
    return hashes


def start_line(size: int) -> str:
    return dumps({"type": "start", "size": size, "frontier": frontier(size)})


def checkpoint_line(size: int) -> str:
    return dumps({"type": "checkpoint", "size": size, "note": checkpoint(size, mth(LEAVES[:size]))})


def started(size: int, checkpoints: tuple[int, ...] = (7, TEN), header: dict[str, Any] | None = None) -> list[str]:
    """The whole export of the ten-entry log whose entries below ``size`` were dropped: header, key, start line,
    then entries ``size``..9, with a checkpoint line after the last entry of each of ``checkpoints`` (one of
    ``size`` itself right after the start line)."""
    lines = [
        dumps({"type": "bundle", "version": 1, "origin": ORIGIN, "treeSize": TEN, "filter": None, **(header or {})}),
        dumps({"type": "key", "vkey": VKEY}),
        start_line(size),
    ]
    if size in checkpoints:
        lines.append(checkpoint_line(size))
    for seq in range(size, TEN):
        lines.append(dumps({**RECORDS[seq], "leafHash": LEAVES[seq].hex()}))
        if seq + 1 in checkpoints:
            lines.append(checkpoint_line(seq + 1))
    return lines


def entry_at(lines: list[str], seq: int) -> int:
    """The index of entry ``seq``'s line in ``lines`` (its line number is one more)."""
    return next(i for i, line in enumerate(lines) if line.startswith(f'{{"type":"entry","seq":{seq},'))


def with_frontier(lines: list[str], hashes: list[str]) -> list[str]:
    return edited(lines, 2, lambda r: r.update(frontier=hashes))


def recompute_entry_8(record: dict[str, Any]) -> None:
    record["canonical"] = record["canonical"].replace("entry 8 ", "entry 9 ")
    record["leafHash"] = hash_leaf(record["canonical"]).hex()


FIVE, EIGHT = started(5), started(8)
# A frontier hash that is not the log's: the MTH of leaves 1–4 in place of leaves 0–3.
FORGED_FIVE = [mth(LEAVES[1:5]).hex(), frontier(5)[1]]
START_SENTENCE = "a start line comes once, before any entry or checkpoint"
BEFORE_START = "the checkpoint of size 3 is from before the log's start (seq 5); a bundle that starts there carries none"
SINCE_BELOW_START = (
    "your saved checkpoint has size 3, but this bundle starts at seq 5 (the entries before it were dropped under the org's retention):"
    " it cannot show the log only grew since"
)


def started_valid(size: int, checkpoints: int) -> dict[str, Any]:
    return dict(
        valid=True,
        checked_entries=TEN - size,
        checked_checkpoints=checkpoints,
        complete=True,
        start_size=size,
        tree_size=TEN,
        root_hash=mth(LEAVES[:TEN]).hex(),
        unsigned=None,
        first_broken_seq=None,
        first_bad_line=None,
        problem=None,
    )


STARTED_CASES: list[Any] = [
    ("started at 5", FIVE, {}, started_valid(5, 2)),
    ("started at 8", EIGHT, {}, started_valid(8, 1)),
    ("started at 5, with the checkpoint of size 5", started(5, (5, 7, TEN)), {}, started_valid(5, 3)),
    ("started at 8, with the checkpoint of size 8", started(8, (8, TEN)), {}, started_valid(8, 2)),
    ("started at 5, the bundle's own keys", FIVE, {"keys": None}, dict(valid=True, start_size=5, keys_from="bundle")),
    (
        "started at 10, no entry after the start",
        started(TEN, (TEN,)),
        {},
        dict(valid=True, checked_entries=0, checked_checkpoints=1, complete=False, start_size=TEN, tree_size=TEN),
    ),
    (
        "the entries of a started log without its start line",
        [*FIVE[:2], *FIVE[3:]],
        {},
        dict(valid=False, start_size=0, first_broken_seq=0, first_bad_line=3, problem="entry 0 is missing (the next entry is 5)"),
    ),
    # Rule 1: once, before any entry, checkpoint or consistency line.
    ("a second start line", [*FIVE[:3], start_line(5), *FIVE[3:]], {}, dict(valid=False, first_bad_line=4, problem=START_SENTENCE)),
    (
        "a start line after the first entry of a whole log",
        [*LINES[:3], start_line(5), *LINES[3:]],
        {},
        dict(valid=False, first_bad_line=4, problem=START_SENTENCE),
    ),
    (
        "a start line after a checkpoint",
        (lambda lines: [*lines[:2], lines[3], lines[2], *lines[4:]])(started(5, (5, 7, TEN))),
        {},
        dict(valid=False, first_bad_line=4, problem=START_SENTENCE),
    ),
    (
        "a start line after a consistency line",
        [*filtered([3], CONSISTENCY_14)[:2], checkpoint_line(14), filtered([3])[2], CONSISTENCY_14, start_line(5)],
        {},
        dict(valid=False, first_bad_line=6, problem=START_SENTENCE),
    ),
    (
        "started at 5, then an entry with a proof",
        edited(FIVE, entry_at(FIVE, 5), lambda r: r.update(proof={"treeSize": TEN, "hashes": [h.hex() for h in inclusion_path(5, LEAVES[:TEN])]})),
        {},
        dict(
            valid=False,
            first_broken_seq=5,
            first_bad_line=entry_at(FIVE, 5) + 1,
            problem="entry 5 has a proof, but the bundle has a start line: a bundle is either whole or filtered",
        ),
    ),
    # Rule 2: a filtered bundle has none.
    (
        "a start line in a filtered bundle",
        [*filtered([3])[:2], start_line(5), *filtered([3])[2:]],
        {},
        dict(valid=False, first_bad_line=3, problem="a filtered bundle proves each entry and has no start line"),
    ),
    (
        "a start line in a bundle whose header names a filter, before any entry",
        started(5, header={"filter": {"agentId": "agt_x"}}),
        {},
        dict(valid=False, first_bad_line=3, problem="a filtered bundle proves each entry and has no start line"),
    ),
    # Rule 3: its size and frontier.
    *(
        (
            f"a start line of size {json.dumps(size)}",
            edited(FIVE, 2, lambda r, size=size: r.update(size=size)),
            {},
            dict(valid=False, first_bad_line=3, problem="a start line's size is a positive integer"),
        )
        for size in (0, -5, 1.5, "5", True, None, 2**53)
    ),
    ("a start line without a size", edited(FIVE, 2, lambda r: r.pop("size")), {}, dict(valid=False, problem="a start line's size is a positive integer")),
    *(
        (
            f"a start line whose frontier is {name}",
            with_frontier(FIVE, hashes),
            {},
            dict(valid=False, first_bad_line=3, problem="a start line's frontier must be a list of at most 64 hex hashes"),
        )
        for name, hashes in (
            ("not a list", frontier(5)[0]),
            ("uppercase hex", [frontier(5)[0].upper(), frontier(5)[1]]),
            ("a short hash", [frontier(5)[0][:62], frontier(5)[1]]),
            ("65 hashes", [frontier(5)[0]] * 65),
            ("null", None),
        )
    ),
    (
        "a start line of size 5 with one frontier hash",
        with_frontier(FIVE, frontier(5)[:1]),
        {},
        dict(valid=False, first_bad_line=3, problem="a start line of size 5 has 1 frontier hashes, not one per perfect subtree (2)"),
    ),
    (
        "a start line of size 8 with the frontier of size 7",
        with_frontier(EIGHT, frontier(7)),
        {},
        dict(valid=False, first_bad_line=3, problem="a start line of size 8 has 3 frontier hashes, not one per perfect subtree (1)"),
    ),
    # Rule 4: the tree resumes at the start, and its entries run from there.
    (
        "started at 5, entry 5 missing",
        [*FIVE[: entry_at(FIVE, 5)], *FIVE[entry_at(FIVE, 5) + 1 :]],
        {},
        dict(valid=False, first_broken_seq=5, first_bad_line=entry_at(FIVE, 5) + 1, problem="entry 5 is missing (the next entry is 6)"),
    ),
    (
        "started at 8, a dropped entry put back before it",
        [*EIGHT[:3], dumps({**RECORDS[7], "leafHash": LEAVES[7].hex()}), *EIGHT[3:]],
        {},
        dict(valid=False, first_broken_seq=7, first_bad_line=4, problem="a second entry 7 appears after entry 7 (an entry was inserted)"),
    ),
    (
        "started at 5, an entry edited",
        [*FIVE[: entry_at(FIVE, 6)], FIVE[entry_at(FIVE, 6)].replace("entry 6 ", "entry 7 "), *FIVE[entry_at(FIVE, 6) + 1 :]],
        {},
        dict(
            valid=False,
            first_broken_seq=6,
            first_bad_line=entry_at(FIVE, 6) + 1,
            problem="entry 6: its leaf hash does not match its canonical text (the entry was edited)",
        ),
    ),
    (
        "started at 8, an entry edited with its leaf hash recomputed, caught at the next checkpoint",
        edited(EIGHT, entry_at(EIGHT, 8), recompute_entry_8),
        {},
        dict(
            valid=False,
            first_broken_seq=9,
            first_bad_line=entry_at(EIGHT, 9) + 2,
            problem=f"the entries up to seq 9 do not match the signed checkpoint at line {entry_at(EIGHT, 9) + 2}"
            " (an entry before it was altered, added or removed, or the log forked)",
        ),
    ),
    (
        "started at 5, a forged frontier, caught at the first checkpoint",
        with_frontier(FIVE, FORGED_FIVE),
        {},
        dict(
            valid=False,
            first_broken_seq=6,
            first_bad_line=entry_at(FIVE, 6) + 2,
            problem=f"the entries up to seq 6 do not match the signed checkpoint at line {entry_at(FIVE, 6) + 2}"
            " (an entry before it was altered, added or removed, or the log forked)",
        ),
    ),
    (
        "started at 5, a forged frontier, caught at the checkpoint of size 5",
        with_frontier(started(5, (5, 7, TEN)), FORGED_FIVE),
        {},
        dict(
            valid=False,
            first_broken_seq=4,
            first_bad_line=4,
            problem="the entries up to seq 4 do not match the signed checkpoint at line 4 (an entry before it was altered, added or removed, or the log forked)",
        ),
    ),
    (
        "started at 5, the frontier smallest first",
        with_frontier(FIVE, frontier(5)[::-1]),
        {},
        dict(
            valid=False,
            first_broken_seq=6,
            problem=f"the entries up to seq 6 do not match the signed checkpoint at line {entry_at(FIVE, 6) + 2}"
            " (an entry before it was altered, added or removed, or the log forked)",
        ),
    ),
    (
        "started at 8, a forged frontier",
        with_frontier(EIGHT, [mth(LEAVES[1:9]).hex()]),
        {},
        dict(valid=False, first_broken_seq=9, first_bad_line=entry_at(EIGHT, 9) + 2),
    ),
    # Rule 5: no checkpoint from before the start.
    ("started at 5, a checkpoint of size 3 after the start", [*FIVE[:3], checkpoint_line(3), *FIVE[3:]], {}, dict(valid=False, first_bad_line=4, problem=BEFORE_START)),
    ("started at 5, a checkpoint of size 3 at the end", [*FIVE, checkpoint_line(3)], {}, dict(valid=False, first_bad_line=len(FIVE) + 1, problem=BEFORE_START)),
    # Rule 6: a saved checkpoint from before the start.
    ("started at 5, since a checkpoint of size 3", FIVE, {"since": checkpoint(3, mth(LEAVES[:3]))}, dict(valid=False, first_bad_line=None, problem=SINCE_BELOW_START)),
    (
        "started at 5, since a checkpoint of size 3, with an unsigned tail",
        started(5, (7,), {"treeSize": 7}),
        {"since": checkpoint(3, mth(LEAVES[:3]))},
        dict(valid=False, problem="3 entries (seq 7–9) come after the last signed checkpoint (tree size 7): no signature covers them, so nothing shows they are the log's"),
    ),
    (
        "started at 5, since the checkpoint of size 5 it does not carry",
        FIVE,
        {"since": checkpoint(5, mth(LEAVES[:5]))},
        dict(valid=True, since=SinceCheck(tree_size=5, root_hash=mth(LEAVES[:5]).hex(), consistent=True)),
    ),
    (
        "started at 5, since the checkpoint of size 5 it carries",
        started(5, (5, 7, TEN)),
        {"since": checkpoint(5, mth(LEAVES[:5]))},
        dict(valid=True, since=SinceCheck(tree_size=5, root_hash=mth(LEAVES[:5]).hex(), consistent=True)),
    ),
    (
        "started at 8, since a checkpoint of size 9",
        EIGHT,
        {"since": checkpoint(9, mth(LEAVES[:9]))},
        dict(valid=True, since=SinceCheck(tree_size=9, root_hash=mth(LEAVES[:9]).hex(), consistent=True)),
    ),
    (
        "started at 5, since a rewritten log of size 5",
        FIVE,
        {"since": checkpoint(5, mth(LEAVES[1:6]))},
        dict(valid=False, first_broken_seq=4, first_bad_line=3, problem="the log at size 5 differs from your saved checkpoint: it was rewritten, not only appended to"),
    ),
    # Rule 7: the unsigned tail counts from the start.
    (
        "started at 5, an unsigned tail",
        started(5, (7,), {"treeSize": 7}),
        {},
        dict(
            valid=False,
            unsigned=UnsignedEntries(count=3, first_seq=7, last_seq=9),
            first_broken_seq=7,
            first_bad_line=entry_at(started(5, (7,)), 7) + 1,
            problem="3 entries (seq 7–9) come after the last signed checkpoint (tree size 7): no signature covers them, so nothing shows they are the log's",
        ),
    ),
    (
        "started at 8, signed only at the start",
        started(8, (8,), {"treeSize": 8}),
        {"allow_unsigned": True},
        dict(valid=True, start_size=8, tree_size=8, unsigned=UnsignedEntries(count=2, first_seq=8, last_seq=9)),
    ),
    (
        "started at 5, no checkpoint",
        started(5, ()),
        {},
        dict(valid=False, checked_checkpoints=0, first_broken_seq=5, problem="the bundle has no signed checkpoint, so nothing ties its 5 entries to the log"),
    ),
]


@pytest.mark.parametrize(("lines", "options", "expected"), [pytest.param(*case[1:], id=case[0]) for case in [*CASES, *STARTED_CASES]])
def test_verdict(lines: list[str], options: dict[str, Any], expected: dict[str, Any]) -> None:
    report = verify(lines, **{"keys": [VKEY], **options})
    assert {name: getattr(report, name) for name in expected} == expected


def test_reads_a_file_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "bundle.jsonl"
    path.write_text("".join(f"{line}\n" for line in TAIL), encoding="utf-8")
    report = verify_bundle(path, keys=[VKEY])
    assert report == verify_bundle(str(path), keys=[VKEY]) == verify(TAIL, keys=[VKEY])
    with pytest.raises(FileNotFoundError):
        verify_bundle(tmp_path / "missing.jsonl")


def test_reports_progress_of_a_complete_bundle() -> None:
    seen: list[int] = []
    verify_bundle("".join(f"{line}\n" for line in LINES).encode(), keys=[VKEY], on_progress=seen.append, progress_every=25)
    assert seen == [25, 50]


def test_a_bad_trusted_key_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match=r'^keys\[1\]: "nonsense" is not a verifier key \(a verifier key reads <name>\+<hash>\+<base64 key>\)$'):
        verify_bundle(b"", keys=[VKEY, "nonsense"])


def test_without_cryptography_a_signature_check_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cryptography.hazmat.primitives.asymmetric.ed25519", None)
    # Keys and lines parse without it; only a signature needs it.
    assert verify_bundle(b"", keys=[VKEY]).problem == "the bundle is empty: it has no header, key, entry or checkpoint"
    with pytest.raises(MissingCryptography, match=r'^checking signatures needs the "cryptography" package: pip install "gatehouse-sdk\[verify\]"$'):
        verify(LINES, keys=[VKEY])


def test_describe_unsigned() -> None:
    assert describe_unsigned(UnsignedEntries(count=3, first_seq=6, last_seq=8)) == "3 entries (seq 6–8) come"
    assert describe_unsigned(UnsignedEntries(count=1, first_seq=6, last_seq=6)) == "1 entry (seq 6) comes"


def test_fixtures_sign_as_the_reference_implementation() -> None:
    # Ed25519 is deterministic: signing the Go test vector's text with its key gives its note byte for byte.
    vector = json.loads((Path(__file__).resolve().parents[2] / "tlog" / "test" / "vectors" / "signed-note.json").read_text(encoding="utf-8"))["sign"]
    _, _, name, _, *key = vector["skey"].split("+")
    signer = Ed25519PrivateKey.from_private_bytes(base64.b64decode("+".join(key))[1:])
    assert sign_note(vector["text"], name, signer) == vector["wantSignedNote"]
