"""Checks of the audit log's proofs on this machine (RFC 6962 paths, C2SP signed checkpoints), never
taking the server's word: the same checks, and the same sentences, as ``@gatehouse/sdk``'s ``audit.proof``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Sequence

from ._tlog import (
    MissingCryptography,
    NoteVerifier,
    checkpoint_note_size,
    hash_from_hex,
    open_note,
    parse_checkpoint,
    parse_verifier_key,
    verify_consistency,
    verify_inclusion,
)
from .errors import GatehouseError


@dataclass(frozen=True)
class ProofCheck:
    """A proof as the server answered it, and whether it checked out here."""

    #: The server's answer (``AuditProof``): entry and tree, or the two sizes, the path and the checkpoint.
    proof: dict[str, Any]
    #: True only when the path leads to a root signed by one of the keys.
    verified: bool
    #: Why it did not check out; ``None`` when it did.
    problem: str | None
    #: Where the keys came from: ``"options"`` (yours) or ``"server"`` (fetched from the org).
    keys_from: Literal["options", "server"]


def invalid_option(message: str) -> GatehouseError:
    return GatehouseError(f"Invalid option: {message}", code="INVALID_OPTION")


def parse_keys(keys: Sequence[str]) -> list[NoteVerifier]:
    """Your verifier keys, checked before any call."""
    parsed = []
    for vkey in keys:
        try:
            parsed.append(parse_verifier_key(vkey))
        except ValueError as error:
            raise invalid_option(f"keys: {vkey[:80]!r} is not a verifier key: {error}") from None
    return parsed


def server_keys(answer: dict[str, Any]) -> list[NoteVerifier]:
    """The org's keys as the server listed them; one that does not parse verifies nothing."""
    found = []
    for key in answer.get("keys") or []:
        try:
            found.append(parse_verifier_key(str(key.get("vkey"))))
        except ValueError:
            continue
    return found


def saved_checkpoint_size(note: str) -> int:
    try:
        return checkpoint_note_size(note)
    except ValueError as error:
        raise invalid_option(f"since is not a signed checkpoint note: {error}") from None


def check_inclusion(proof: dict[str, Any], asked: dict[str, Any], verifiers: Sequence[NoteVerifier]) -> str | None:
    """Why the inclusion proof does not check out against what was asked, or ``None`` when it does."""
    for name, what in (("entryId", "entry"), ("seq", "seq"), ("treeSize", "tree size")):
        if asked.get(name) is not None and proof.get(name) != asked[name]:
            return f"the server answered for {what} {proof.get(name)}, not {asked[name]}"
    seq, size = proof.get("seq"), proof.get("treeSize")
    try:
        leaf = hash_from_hex(str(proof.get("leafHash")), "leafHash")
        root = hash_from_hex(str(proof.get("rootHash")), "rootHash")
        path = _path(proof.get("proof"))
    except ValueError as error:
        return f"the server's answer is malformed: {error}"
    if not isinstance(seq, int) or not isinstance(size, int):
        return "the server's answer is malformed: seq and treeSize are integers"
    reason = verify_inclusion(seq, size, leaf, path, root)
    if reason is not None:
        return f"the proof does not lead from entry {seq}'s leaf hash to the root of tree size {size}: {reason}"
    return _signed_root(proof.get("checkpoint"), size, root, verifiers)


def check_consistency(proof: dict[str, Any], first: int, last: int | None, since: str | None, verifiers: Sequence[NoteVerifier]) -> str | None:
    """Why the consistency proof does not show the log only grew (since your saved checkpoint), or ``None``."""
    if proof.get("from") != first:
        return f"the server answered from tree size {proof.get('from')}, not {first}"
    if last is not None and proof.get("to") != last:
        return f"the server answered to tree size {proof.get('to')}, not {last}"
    size1, size2 = proof.get("from"), proof.get("to")
    try:
        root1 = hash_from_hex(str(proof.get("fromRootHash")), "fromRootHash")
        root2 = hash_from_hex(str(proof.get("toRootHash")), "toRootHash")
        path = _path(proof.get("proof"))
    except ValueError as error:
        return f"the server's answer is malformed: {error}"
    if not isinstance(size1, int) or not isinstance(size2, int):
        return "the server's answer is malformed: from and to are integers"
    reason = verify_consistency(size1, size2, path, root1, root2)
    if reason is not None:
        return f"the proof does not show the tree of size {size1} is a prefix of the tree of size {size2}: {reason}"
    problem = _signed_root(proof.get("checkpoint"), size2, root2, verifiers)
    if problem is not None or since is None:
        return problem
    saved = _open_signed(since, verifiers, "your saved checkpoint")
    if isinstance(saved, str):
        return saved
    saved_size, saved_root = saved
    if saved_size != size1:
        return f"your saved checkpoint has tree size {saved_size}, but the proof starts at {size1}"
    if saved_root != root1:
        return (
            f"the log's tree of size {saved_size} has root {proof.get('fromRootHash')}, but your saved checkpoint says "
            f"{saved_root.hex()}: the log was rewritten, not only appended to"
        )
    return None


def _path(value: Any) -> list[bytes]:
    if not isinstance(value, list):
        raise ValueError("the proof is not a list of hashes")
    return [hash_from_hex(str(h), f"proof[{i}]") for i, h in enumerate(value)]


def _signed_root(checkpoint: Any, size: int, root: bytes, verifiers: Sequence[NoteVerifier]) -> str | None:
    if not isinstance(checkpoint, dict):
        return f"no signed checkpoint of tree size {size} came with the proof, so its root is only the server's word"
    body = _open_signed(str(checkpoint.get("note")), verifiers, "the checkpoint")
    if isinstance(body, str):
        return body
    signed_size, signed_root = body
    if signed_size != size:
        return f"the signed checkpoint is of tree size {signed_size}, not {size}"
    if signed_root != root:
        return f"the signed checkpoint of tree size {size} has root {signed_root.hex()}, not the proof's {root.hex()}"
    return None


def _open_signed(note: str, verifiers: Sequence[NoteVerifier], what: str) -> tuple[int, bytes] | str:
    try:
        body = parse_checkpoint(open_note(note, verifiers).text)
    except MissingCryptography as error:
        return f"{what}: {error}"
    except ValueError as error:
        return f"{what}: {error}"
    return body.size, body.root_hash
