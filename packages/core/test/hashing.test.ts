import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { chainHash, GENESIS_CHAIN_HASH, leafHash, nodeHash, sha256Hex } from "../src/audit/hashing";

function sha256(...parts: Buffer[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
}

const hex = (value: string) => Buffer.from(value, "hex");
const A = sha256(Buffer.from("a"));
const B = sha256(Buffer.from("b"));

describe("leafHash", () => {
  test("matches the RFC 6962 leaf hash of the empty string", () => {
    expect(leafHash("")).toBe("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  });

  test.each(["{}", '{"a":1}', "\u20ac\ud83d\ude00", "x".repeat(10_000)])("is SHA-256(0x00 || UTF-8 bytes) for %j", (text) => {
    expect(leafHash(text)).toBe(sha256(Buffer.of(0), Buffer.from(text, "utf8")));
  });

  test("differs from the plain SHA-256 of the same text", () => {
    expect(leafHash("abc")).not.toBe(sha256Hex("abc"));
  });
});

describe("nodeHash", () => {
  test("is SHA-256(0x01 || left bytes || right bytes)", () => {
    expect(nodeHash(A, B)).toBe(sha256(Buffer.of(1), hex(A), hex(B)));
  });

  test("is not symmetric in its children", () => {
    expect(nodeHash(A, B)).not.toBe(nodeHash(B, A));
  });

  test("reproduces the RFC 6962 reference roots for the leaves '', 0x00, 0x10", () => {
    const two = nodeHash(leafHash(""), leafHash("\u0000"));
    expect(two).toBe("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
    expect(nodeHash(two, leafHash("\u0010"))).toBe("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77");
  });
});

describe("chainHash", () => {
  test("is SHA-256(previous bytes || leaf bytes) without a domain prefix", () => {
    expect(chainHash(A, B)).toBe(sha256(hex(A), hex(B)));
  });

  test("from genesis is SHA-256 of 32 zero bytes followed by the leaf", () => {
    expect(chainHash(GENESIS_CHAIN_HASH, A)).toBe(sha256(Buffer.alloc(32), hex(A)));
  });

  test("depends on the previous chain hash", () => {
    expect(chainHash(A, B)).not.toBe(chainHash(GENESIS_CHAIN_HASH, B));
  });
});

describe("GENESIS_CHAIN_HASH", () => {
  test("is 64 zero hex digits", () => {
    expect(GENESIS_CHAIN_HASH).toBe("0".repeat(64));
  });
});

describe("sha256Hex", () => {
  test("matches the FIPS 180-2 vector for 'abc'", () => {
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  test("hashes the UTF-8 bytes of non-ASCII text", () => {
    expect(sha256Hex("\u20ac")).toBe(sha256(Buffer.from([0xe2, 0x82, 0xac])));
  });
});
