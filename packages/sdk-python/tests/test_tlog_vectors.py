"""The transparency-log primitives against public test data: the vectors packages/tlog/test runs
(provenance in packages/tlog/test/vectors/README.md), so Python and TypeScript agree with the
reference implementations and with each other."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest

from gatehouse._tlog import (
    EMPTY_ROOT,
    TreeBuilder,
    checkpoint_note_size,
    hash_children,
    hash_leaf,
    open_note,
    parse_checkpoint,
    parse_verifier_key,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).resolve().parents[2] / "tlog" / "test" / "vectors"


def load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


RFC = load("rfc6962.json")
NOTES = load("signed-note.json")
LEAVES = [hash_leaf(bytes.fromhex(h)) for h in RFC["testonlyConstants"]["leafInputsHex"]]
ROOTS = [bytes.fromhex(h) for h in RFC["verifyTest"]["roots"]]


def b64(text: str | None) -> bytes:
    return base64.b64decode(text or "")


@pytest.mark.parametrize("case", RFC["rfc6962HasherTest"]["cases"], ids=lambda c: c["desc"])
def test_rfc6962_hasher(case: dict[str, str]) -> None:
    if case["op"] == "EmptyRoot()":
        got = EMPTY_ROOT
    elif case["op"] == "HashLeaf":
        got = hash_leaf(case["inputAscii"].encode("ascii") if "inputAscii" in case else bytes.fromhex(case["inputHex"]))
    else:
        got = hash_children(case["leftAscii"].encode("ascii"), case["rightAscii"].encode("ascii"))
    assert got.hex() == case["wantHex"]


def test_tree_builder_gives_the_reference_root_at_every_size() -> None:
    for expected in RFC["testonlyConstants"]["rootHashes"]:
        tree = TreeBuilder()
        for leaf in LEAVES[: expected["treeSize"]]:
            tree.push(leaf)
        assert (tree.size, tree.root().hex()) == (expected["treeSize"], expected["rootHex"])


def test_a_tree_resumed_from_its_frontier_gives_the_reference_roots() -> None:
    # A log that starts at a size (its earlier entries dropped) keeps only its frontier there: the root of
    # each perfect subtree covering [0, size), largest first. Resumed from it at every size, the tree has
    # the reference root there and at every size after.
    roots = [expected["rootHex"] for expected in RFC["testonlyConstants"]["rootHashes"]]
    for start in range(1, len(roots) - 1):
        frontier, begin = [], 0
        for width in (1 << bit for bit in reversed(range(start.bit_length()))):
            if start & width:
                subtree = TreeBuilder()
                for leaf in LEAVES[begin : begin + width]:
                    subtree.push(leaf)
                frontier.append(subtree.root())
                begin += width
        tree = TreeBuilder.resume(start, frontier)
        assert tree.root().hex() == roots[start]
        for leaf in LEAVES[start : len(roots) - 1]:
            tree.push(leaf)
            assert tree.root().hex() == roots[tree.size]
    with pytest.raises(ValueError, match="^a tree of 5 leaves has 2 frontier hashes, not 1$"):
        TreeBuilder.resume(5, [EMPTY_ROOT])


def test_reference_inclusion_proofs_verify() -> None:
    for case in RFC["verifyTest"]["inclusionProofs"]:
        if case["size"] == 0:
            continue  # the source's placeholder row: no proof in an empty tree
        proof = [bytes.fromhex(h) for h in case["proof"] or []]
        index = case["leaf"] - 1
        assert verify_inclusion(index, case["size"], LEAVES[index], proof, ROOTS[case["size"] - 1]) is None


def test_reference_consistency_proofs_verify() -> None:
    for case in RFC["verifyTest"]["consistencyProofs"]:
        proof = [bytes.fromhex(h) for h in case["proof"] or []]
        assert verify_consistency(case["size1"], case["size2"], proof, ROOTS[case["size1"] - 1], ROOTS[case["size2"] - 1]) is None


def case_id(case: dict[str, Any]) -> str:
    return f"{case['source'].split('@')[0]}: {case['desc']}"


# Indexes and sizes of 2^64-1 appear in these: beyond 2^53 they must fail, as in TypeScript.
@pytest.mark.parametrize("case", load("transparency-dev-inclusion.json"), ids=case_id)
def test_transparency_dev_inclusion(case: dict[str, Any]) -> None:
    index = case["leafIdx"] if "leafIdx" in case else case["leafIndex"]
    reason = verify_inclusion(index, case["treeSize"], b64(case["leafHash"]), [b64(h) for h in case["proof"] or []], b64(case["root"]))
    assert (reason is not None) == case["wantErr"], reason


@pytest.mark.parametrize("case", load("transparency-dev-consistency.json"), ids=case_id)
def test_transparency_dev_consistency(case: dict[str, Any]) -> None:
    proof = [b64(h) for h in case["proof"] or []]
    reason = verify_consistency(case["size1"], case["size2"], proof, b64(case["root1"]), b64(case["root2"]))
    assert (reason is not None) == case["wantErr"], reason


def test_reference_verifier_keys_parse() -> None:
    for key in NOTES["verifierKeys"]:
        verifier = parse_verifier_key(key["vkey"])
        assert (verifier.name, verifier.key_hash, verifier.vkey) == (key["name"], int(key["keyHash"], 16), key["vkey"])


@pytest.mark.parametrize("vkey", [k["vkey"] for k in NOTES["invalidVerifierKeys"]])
def test_broken_verifier_keys_are_refused(vkey: str) -> None:
    with pytest.raises(ValueError):
        parse_verifier_key(vkey)


def test_every_mangling_of_a_verifier_key_is_refused() -> None:
    # The Go tests' rule (keyManglingRule): every proper substring and every one-byte increment fails.
    vkey = NOTES["verifierKeys"][0]["vkey"]
    mangled = {vkey[i:j] for i in range(len(vkey)) for j in range(i + 1, len(vkey) + 1)} - {vkey}
    mangled |= {vkey[:i] + chr(ord(c) + 1) + vkey[i + 1 :] for i, c in enumerate(vkey)}
    accepted = []
    for text in mangled:
        try:
            parse_verifier_key(text)
            accepted.append(text)
        except ValueError:
            pass
    assert accepted == []


# Go's own verifier-list rules (a duplicated verifier, one answering for another name) are not the
# signed-note format: open_note takes a plain list, as the TypeScript openNote does.
GO_ONLY = re.compile("duplicated verifier|verifier returned for wrong")
OPEN_CASES = [c for c in NOTES["open"]["cases"] if not GO_ONLY.search(c["desc"])]


@pytest.mark.parametrize("case", OPEN_CASES, ids=lambda c: c["desc"])
def test_open_signed_note(case: dict[str, Any]) -> None:
    keys = {k["name"]: k["vkey"] for k in NOTES["verifierKeys"]}
    verifiers = [parse_verifier_key(keys[name]) for name in case["verifiers"]]
    # A byte that is not UTF-8 reaches a str as U+FFFD, as it does when Node reads the file.
    message = case["message"] if case["message"] is not None else b64(case["messageBase64"]).decode("utf-8", "replace")
    if "wantErr" in case:
        with pytest.raises(ValueError):
            open_note(message, verifiers)
        return
    opened = open_note(message, verifiers)
    assert opened.text == case["wantText"]
    assert {v.name for v in opened.verified} == {s["name"] for s in case.get("wantSigs", [])}
    # Go lists a signature repeated byte for byte once; the keys it is by are the same either way.
    assert {(u.name, u.key_hash) for u in opened.unknown} == {(s["name"], int(s["keyHash"], 16)) for s in case.get("wantUnverifiedSigs", [])}


def test_spec_checkpoint_example_parses() -> None:
    example = next(e for e in NOTES["specExamples"] if "checkpoint" in e)
    expected = example["checkpoint"]
    body = parse_checkpoint(example["signedNote"].split("\n\n")[0] + "\n")
    assert (body.origin, body.size, body.root_hash) == (expected["origin"], int(expected["treeSize"]), b64(expected["rootHashBase64"]))
    assert checkpoint_note_size(example["signedNote"]) == int(expected["treeSize"])
