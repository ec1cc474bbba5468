"""Transparency-log primitives, as ``@gatehouse/tlog`` has them: RFC 6962 hashing and trees, RFC 9162
proof verification, C2SP signed notes (Ed25519) and C2SP checkpoints.

The audit client checks proofs with these and ``gatehouse.verify`` checks whole bundles. Every error
sentence is the TypeScript one, so a Python auditor reads what ``gatehouse verify`` prints. Parsing
keys and notes needs nothing beyond the standard library; checking a signature needs the
``cryptography`` package (the ``verify`` extra).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Sequence, TypeGuard

HASH_SIZE = 32
#: The largest integer JavaScript holds exactly (``Number.MAX_SAFE_INTEGER``): the TS verifier's bound.
MAX_SAFE_INTEGER = 2**53 - 1

#: MTH of the empty tree: SHA-256 of nothing.
EMPTY_ROOT = hashlib.sha256(b"").digest()

# JavaScript's white space (String.prototype.trim, regex \s), which differs from str.isspace().
_JS_SPACE = "\t\n\v\f\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class MissingCryptography(RuntimeError):
    """Checking a signature needs the ``cryptography`` package, which is not installed."""

    def __init__(self) -> None:
        super().__init__('checking signatures needs the "cryptography" package: pip install "gatehouse-sdk[verify]"')


def utf8_bytes(text: str) -> bytes:
    """A text's UTF-8 bytes, a lone surrogate (possible in a str read from JSON) as U+FFFD, as JavaScript encodes it."""
    try:
        return text.encode()
    except UnicodeEncodeError:
        return _LONE_SURROGATE.sub("\ufffd", text).encode()


def is_safe_index(value: object) -> TypeGuard[int]:
    """A non-negative integer JavaScript holds exactly (bool is not a number here)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_SAFE_INTEGER


# --- RFC 6962 / RFC 9162 ----------------------------------------------------------------------


def hash_leaf(data: bytes | str) -> bytes:
    """Leaf hash: SHA-256(0x00 ‖ data). A str is taken as its UTF-8 bytes."""
    return hashlib.sha256(b"\x00" + (utf8_bytes(data) if isinstance(data, str) else data)).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """Interior node: SHA-256(0x01 ‖ left ‖ right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def hash_from_hex(text: str, what: str = "hash") -> bytes:
    """A 32-byte hash from 64 hex characters; anything else is a ValueError naming ``what``."""
    if not re.fullmatch("[0-9a-fA-F]{64}", text):
        raise ValueError(f"{what} must be 64 hex characters")
    return bytes.fromhex(text)


class TreeBuilder:
    """An RFC 6962 Merkle tree built leaf by leaf, keeping only its perfect subtrees (the frontier)."""

    def __init__(self) -> None:
        self._frontier: list[bytes] = []
        self._size = 0

    @classmethod
    def resume(cls, size: int, frontier: Sequence[bytes]) -> TreeBuilder:
        """A tree continued from its size and frontier (its perfect subtrees from the left, largest first)."""
        if len(frontier) != size.bit_count():
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} frontier hashes, not {len(frontier)}")
        tree = cls()
        tree._size = size
        tree._frontier = list(frontier)
        return tree

    @property
    def size(self) -> int:
        return self._size

    def push(self, leaf: bytes) -> None:
        """Appends a leaf hash."""
        node = leaf
        index = self._size
        while index % 2 == 1:
            node = hash_children(self._frontier.pop(), node)
            index //= 2
        self._frontier.append(node)
        self._size += 1

    def root(self) -> bytes:
        """The tree's root (MTH); the empty tree's root while it has no leaf."""
        if not self._frontier:
            return EMPTY_ROOT
        node = self._frontier[-1]
        for left in reversed(self._frontier[:-1]):
            node = hash_children(left, node)
        return node


def _walk(fn: int, sn: int, count: int) -> list[bool] | str:
    """For each of ``count`` proof hashes, whether it joins on the left, walking up from node ``fn`` of a
    level whose last node is ``sn``; or why the proof cannot fit (too long, or too short, for the tree)."""
    sides: list[bool] = []
    for _ in range(count):
        if sn == 0:
            return "the proof is longer than the tree is deep"
        left = fn % 2 == 1 or fn == sn
        sides.append(left)
        while left and fn % 2 == 0 and fn != 0:
            fn //= 2
            sn //= 2
        fn //= 2
        sn //= 2
    return sides if sn == 0 else "the proof is shorter than the tree is deep"


def root_from_inclusion_proof(index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes]) -> bytes | str:
    """RFC 9162 §2.1.3.2: the root ``proof`` yields for ``leaf_hash`` at ``index`` in a tree of ``size``, or why none can (a str)."""
    if not is_safe_index(index) or not is_safe_index(size) or index >= size:
        return f"leaf index {index} is outside a tree of {size} leaves"
    sides = _walk(index, size - 1, len(proof))
    if isinstance(sides, str):
        return sides
    node = leaf_hash
    for left, sibling in zip(sides, proof):
        node = hash_children(sibling, node) if left else hash_children(node, sibling)
    return node


def verify_inclusion(index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes) -> str | None:
    """None when ``proof`` leads from ``leaf_hash`` at ``index`` to ``root``; else the reason it does not."""
    computed = root_from_inclusion_proof(index, size, leaf_hash, proof)
    if isinstance(computed, str):
        return computed
    return None if computed == root else "the proof leads to a different root"


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> str | None:
    """RFC 9162 §2.1.4.2: None when ``proof`` shows the tree of ``size1`` (``root1``) is a prefix of the
    tree of ``size2`` (``root2``); else the reason."""
    if not is_safe_index(size1) or not is_safe_index(size2) or size1 > size2:
        return f"size {size1} cannot be a prefix of size {size2}"
    if size1 == size2:
        if proof:
            return "equal sizes take an empty proof"
        return None if root1 == root2 else "two roots for one tree size: the log forked"
    if size1 == 0:
        return None if not proof else "the empty tree takes an empty proof"
    if not proof:
        return "the proof is empty"
    # A perfect tree of size1 is a node of the larger tree: the proof leaves it out, it starts from root1.
    path = [root1, *proof] if size1 & (size1 - 1) == 0 else list(proof)
    fn, sn = size1 - 1, size2 - 1
    while fn % 2 == 1:
        fn //= 2
        sn //= 2
    both = _walk(fn, sn, len(path) - 1)
    if isinstance(both, str):
        return both
    fr = sr = path[0]
    for joins_both, node in zip(both, path[1:]):
        if joins_both:
            fr = hash_children(node, fr)
            sr = hash_children(node, sr)
        else:
            sr = hash_children(sr, node)
    if fr != root1:
        return f"the proof does not lead to the root of size {size1}"
    if sr != root2:
        return f"the proof does not lead to the root of size {size2}"
    return None


# --- C2SP signed-note (Ed25519) ---------------------------------------------------------------

_ED25519 = 0x01
# As golang.org/x/mod/sumdb/note: a bound on the work one note can ask for (C2SP requires >= 16).
_MAX_SIGNATURES = 100
_SIGNATURE_LINE = re.compile(f"\u2014 ([^{_JS_SPACE}]+) ([A-Za-z0-9+/]+={{0,2}})")
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class NoteVerifier:
    """A C2SP verifier key: ``<name>+<8 hex key hash>+<base64(0x01 ‖ Ed25519 public key)>``."""

    name: str
    key_hash: int
    public_key: bytes
    #: The verifier key string this came from (trimmed).
    vkey: str


@dataclass(frozen=True)
class UnknownSignature:
    """A signature by a key the caller did not give: neither valid nor invalid to them."""

    name: str
    key_hash: int


@dataclass
class OpenedNote:
    """A signed note whose signatures by the given keys all verified."""

    text: str
    #: The keys whose signatures verified (at least one).
    verified: list[NoteVerifier]
    unknown: list[UnknownSignature]


def _base64_bytes(text: str) -> bytes:
    """Bytes from base64 as leniently as JavaScript's ``atob`` (white space and missing padding allowed);
    a ValueError where ``atob`` fails."""
    data = re.sub("[\t\n\f\r ]", "", text)
    if len(data) % 4 == 0 and data.endswith("="):
        data = data[:-2] if data.endswith("==") else data[:-1]
    if len(data) % 4 == 1 or not re.fullmatch("[A-Za-z0-9+/]*", data):
        raise ValueError("not base64")
    return base64.b64decode(data + "=" * (-len(data) % 4))


def _check_key_name(name: str) -> None:
    if not name or any(c == "+" or c in _JS_SPACE for c in name):
        raise ValueError("a key name is non-empty and has no spaces or '+'")


def _key_hash_of(name: str, public_key: bytes) -> int:
    """SHA-256(name ‖ "\\n" ‖ 0x01 ‖ public key), its first 4 bytes big-endian."""
    digest = hashlib.sha256(utf8_bytes(f"{name}\n") + bytes([_ED25519]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def parse_verifier_key(vkey: str) -> NoteVerifier:
    """Parses ``<name>+<hash>+<base64 key>``; a ValueError says what is wrong. Needs no ``cryptography``."""
    trimmed = vkey.strip(_JS_SPACE)
    # Name and hash hold no '+'; the base64 key may.
    name, _, rest = trimmed.partition("+")
    hash_hex, plus, key_text = rest.partition("+")
    if not plus:
        raise ValueError("a verifier key reads <name>+<hash>+<base64 key>")
    _check_key_name(name)
    if not re.fullmatch("[0-9a-f]{8}", hash_hex):
        raise ValueError("a verifier key's hash is 8 lowercase hex digits")
    try:
        key = _base64_bytes(key_text)
    except ValueError:
        key = b""
    if len(key) != 33 or key[0] != _ED25519:
        raise ValueError("only Ed25519 verifier keys (type 0x01, 32 bytes) are supported")
    verifier = NoteVerifier(name=name, key_hash=int(hash_hex, 16), public_key=key[1:], vkey=trimmed)
    if _key_hash_of(name, verifier.public_key) != verifier.key_hash:
        raise ValueError("the verifier key's hash does not match its name and key")
    return verifier


def _signature_valid(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        raise MissingCryptography() from None
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except InvalidSignature:
        return False
    return True


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise ValueError("a note's text ends with a newline")
    if _CONTROL.search(text):
        raise ValueError("a note's text has no control characters other than newline")


def js_json_string(text: str) -> str:
    """``JSON.stringify`` of a string: non-ASCII kept, a lone surrogate escaped."""
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False))


def open_note(note: str, verifiers: Sequence[NoteVerifier]) -> OpenedNote:
    """Splits a signed note and checks its signatures against ``verifiers``.

    A signature by a given key that does not verify is a ValueError (someone forged or altered the
    note); so is a note with no signature by any given key. Raises ``MissingCryptography`` when a
    signature is to be checked and ``cryptography`` is not installed.
    """
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise ValueError("malformed note: no signature block")
    text = note[: split + 1]
    _check_text(text)
    lines = note[split + 2 : -1].split("\n")
    if len(lines) > _MAX_SIGNATURES:
        raise ValueError(f"malformed note: more than {_MAX_SIGNATURES} signatures")
    signatures: list[tuple[str, int, bytes]] = []
    for line in lines:
        match = _SIGNATURE_LINE.fullmatch(line)
        if not match:
            # The TS verifier quotes the first 120 UTF-16 code units.
            head = line.encode("utf-16-le", "surrogatepass")[:240].decode("utf-16-le", "surrogatepass")
            raise ValueError(f"malformed signature line: {js_json_string(head)}")
        try:
            blob = _base64_bytes(match[2])
        except ValueError:
            raise ValueError("malformed signature: not base64") from None
        if len(blob) < 5:
            raise ValueError("malformed signature: too short")
        signatures.append((match[1], int.from_bytes(blob[:4], "big"), blob[4:]))
    message = utf8_bytes(text)
    verified: list[NoteVerifier] = []
    unknown: list[UnknownSignature] = []
    for name, key_hash, signature in signatures:
        key = next((v for v in verifiers if v.name == name and v.key_hash == key_hash), None)
        if key is None:
            unknown.append(UnknownSignature(name, key_hash))
        elif _signature_valid(key.public_key, signature, message):
            verified.append(key)
        else:
            raise ValueError(f"the signature by {key.name}+{key.key_hash:08x} does not verify")
    if not verified:
        raise ValueError("the note has no signature by a known key")
    return OpenedNote(text=text, verified=verified, unknown=unknown)


# --- C2SP tlog-checkpoint ---------------------------------------------------------------------


@dataclass
class CheckpointBody:
    """A checkpoint's text: origin line, decimal tree size, base64 root hash, then extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: list[str]


def hash_from_base64(text: str, what: str = "hash") -> bytes:
    """A 32-byte hash from standard base64, exactly as it encodes; anything else is a ValueError naming ``what``."""
    try:
        data = _base64_bytes(text)
    except ValueError:
        data = b""
    if len(data) != HASH_SIZE or base64.b64encode(data).decode() != text:
        raise ValueError(f"{what} must be 32 bytes in standard base64")
    return data


def parse_checkpoint(text: str) -> CheckpointBody:
    """Parses a checkpoint's text (a signed note's text, its signatures not checked); a ValueError says what is wrong."""
    if not text.endswith("\n"):
        raise ValueError("a checkpoint ends with a newline")
    lines = text[:-1].split("\n")
    origin, size_text, root_text = (lines + ["", ""])[:3]
    extensions = lines[3:]
    if not origin:
        raise ValueError("a checkpoint starts with its origin")
    if not re.fullmatch("0|[1-9][0-9]*", size_text):
        raise ValueError("a checkpoint's second line is its tree size in decimal")
    # Sixteen digits or fewer: int() never sees a huge string, and more can only exceed the bound.
    if len(size_text) > 16 or int(size_text) > MAX_SAFE_INTEGER:
        raise ValueError("the checkpoint's tree size is too large")
    if not root_text:
        raise ValueError("a checkpoint's third line is its root hash")
    if "" in extensions:
        raise ValueError("a checkpoint has no empty lines")
    return CheckpointBody(origin, int(size_text), hash_from_base64(root_text, "the checkpoint's root hash"), extensions)


def checkpoint_note_size(note: str) -> int:
    """The tree size a signed checkpoint note states, read without checking its signature (that needs the keys).

    A ValueError says why when the text is not a signed checkpoint.
    """
    end = note.rfind("\n\n")
    if end < 0:
        raise ValueError("it has no signature lines after a blank line")
    return parse_checkpoint(note[: end + 1]).size
