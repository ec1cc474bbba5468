import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  EMPTY_ROOT,
  TreeBuilder,
  appendToFrontier,
  consistencyProof,
  hashChildren,
  hashLeaf,
  inclusionProof,
  openNote,
  parseVerifierKey,
  signNote,
  sourceOf,
  toHex,
  verifyConsistency,
  verifyInclusion,
  type StoredNode,
} from "../src/index";
import { openNoteWeb, parseVerifierKeyWeb, verifyConsistencyWeb, verifyInclusionWeb } from "../src/portable/index";

// Public test data, copied verbatim (provenance in test/vectors/README.md).
const load = (name: string) => JSON.parse(readFileSync(new URL(`./vectors/${name}`, import.meta.url), "utf8"));
const rfc = load("rfc6962.json");
const inclusionCases: Array<Record<string, unknown>> = load("transparency-dev-inclusion.json");
const consistencyCases: Array<Record<string, unknown>> = load("transparency-dev-consistency.json");
const notes = load("signed-note.json");

const hex = (h: string) => Buffer.from(h, "hex");
const b64 = (h: string) => Buffer.from(h, "base64");
const leaves: Buffer[] = (rfc.testonlyConstants.leafInputsHex as string[]).map((h) => hashLeaf(hex(h)));

function stored(n: number): ReturnType<typeof sourceOf> {
  const built = appendToFrontier([], 0, leaves.slice(0, n));
  return sourceOf([...leaves.slice(0, n).map((hash, index): StoredNode => ({ level: 0, index, hash })), ...built.nodes]);
}

describe("RFC 6962 reference data (transparency-dev/merkle)", () => {
  type HasherCase = { desc: string; op: string; inputHex?: string; inputAscii?: string; leftAscii?: string; rightAscii?: string; wantHex: string };
  it.each(rfc.rfc6962HasherTest.cases as HasherCase[])("hasher: $desc", (c) => {
    if (c.op === "EmptyRoot()") expect(toHex(EMPTY_ROOT)).toBe(c.wantHex);
    else if (c.op === "HashLeaf") expect(toHex(hashLeaf(c.inputAscii !== undefined ? Buffer.from(c.inputAscii, "ascii") : hex(c.inputHex ?? "")))).toBe(c.wantHex);
    else expect(toHex(hashChildren(Buffer.from(c.leftAscii ?? "", "ascii"), Buffer.from(c.rightAscii ?? "", "ascii")))).toBe(c.wantHex);
  });

  it("gives the reference root for every size 0–8, incrementally and from stored nodes", () => {
    for (const { treeSize, rootHex } of rfc.testonlyConstants.rootHashes as Array<{ treeSize: number; rootHex: string }>) {
      const tree = new TreeBuilder();
      for (const leaf of leaves.slice(0, treeSize)) tree.push(leaf);
      expect(toHex(tree.root())).toBe(rootHex);
    }
  });

  it("generates exactly the reference inclusion proofs, and they verify", () => {
    const roots = rfc.verifyTest.roots as string[];
    for (const { leaf, size, proof } of rfc.verifyTest.inclusionProofs as Array<{ leaf: number; size: number; proof: string[] | null }>) {
      if (size === 0) continue; // the source's placeholder row: no proof in an empty tree
      const expected = proof ?? [];
      expect(inclusionProof(leaf - 1, size, stored(size)).map(toHex)).toEqual(expected);
      expect(verifyInclusion(leaf - 1, size, leaves[leaf - 1] as Buffer, expected.map(hex), hex(roots[size - 1] as string))).toEqual({ ok: true });
    }
  });

  it("generates exactly the reference consistency proofs, and they verify", () => {
    const roots = rfc.verifyTest.roots as string[];
    for (const { size1, size2, proof } of rfc.verifyTest.consistencyProofs as Array<{ size1: number; size2: number; proof: string[] | null }>) {
      const expected = proof ?? [];
      expect(consistencyProof(size1, size2, stored(size2)).map(toHex)).toEqual(expected);
      expect(verifyConsistency(size1, size2, expected.map(hex), hex(roots[size1 - 1] as string), hex(roots[size2 - 1] as string))).toEqual({ ok: true });
    }
  });
});

describe("transparency-dev/merkle testdata", () => {
  it.each(inclusionCases.map((c) => [`${c.source}: ${c.desc}`, c] as const))("inclusion %s (node:crypto and WebCrypto)", async (_, c) => {
    const index = (c.leafIdx ?? c.leafIndex) as number;
    const args = [index, c.treeSize as number, b64((c.leafHash as string) ?? ""), ((c.proof as string[] | null) ?? []).map(b64), b64((c.root as string) ?? "")] as const;
    expect(verifyInclusion(...args).ok).toBe(!c.wantErr);
    expect(await verifyInclusionWeb(...args)).toEqual(verifyInclusion(...args));
  });

  it.each(consistencyCases.map((c) => [`${c.source}: ${c.desc}`, c] as const))("consistency %s (node:crypto and WebCrypto)", async (_, c) => {
    const args = [c.size1 as number, c.size2 as number, ((c.proof as string[] | null) ?? []).map(b64), b64((c.root1 as string) ?? ""), b64((c.root2 as string) ?? "")] as const;
    expect(verifyConsistency(...args).ok).toBe(!c.wantErr);
    expect(await verifyConsistencyWeb(...args)).toEqual(verifyConsistency(...args));
  });
});

describe("C2SP signed-note vectors (golang.org/x/mod/sumdb/note)", () => {
  const vkeys = new Map<string, string>((notes.verifierKeys as Array<{ name: string; vkey: string }>).map((k) => [k.name, k.vkey]));

  it("parses the reference verifier keys and refuses the broken ones", () => {
    for (const { name, keyHash, vkey } of notes.verifierKeys as Array<{ name: string; keyHash: string; vkey: string }>) {
      expect(parseVerifierKey(vkey)).toMatchObject({ name, keyHash: Number.parseInt(keyHash, 16) });
    }
    for (const { vkey } of notes.invalidVerifierKeys as Array<{ vkey: string }>) expect(() => parseVerifierKey(vkey)).toThrow();
  });

  it("parses the same keys with WebCrypto", async () => {
    for (const { name, keyHash, vkey } of notes.verifierKeys as Array<{ name: string; keyHash: string; vkey: string }>) {
      expect(await parseVerifierKeyWeb(vkey)).toMatchObject({ name, keyHash: Number.parseInt(keyHash, 16) });
    }
    for (const { vkey } of notes.invalidVerifierKeys as Array<{ vkey: string }>) await expect(parseVerifierKeyWeb(vkey)).rejects.toThrow();
  });

  it("signs byte for byte as the reference implementation (Ed25519 is deterministic)", () => {
    const { skey, text, wantSignedNote } = notes.sign as { skey: string; text: string; wantSignedNote: string };
    const [, , name = "", hash = "", ...key] = skey.split("+");
    const seed = b64(key.join("+")).subarray(1);
    const privateKey = createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]), format: "der", type: "pkcs8" });
    expect(signNote(text, [{ name, keyHash: Number.parseInt(hash, 16), privateKey }])).toBe(wantSignedNote);
  });

  // The Go library's own verifier-list rules (duplicate or mismatched verifiers it is handed) are not
  // the signed-note format; our openNote takes a plain list. Invalid UTF-8 cannot reach a JS string.
  const goOnly = /duplicated verifier|verifier returned for wrong|invalid UTF-8/;
  const cases = (
    notes.open.cases as Array<{ desc: string; message?: string; verifiers: string[]; wantErr?: string; wantText?: string; wantSigs?: Array<{ name: string }> }>
  ).filter((c) => !goOnly.test(c.desc));

  it.each(cases.map((c) => [c.desc, c] as const))("open: %s", (_, c) => {
    const verifiers = c.verifiers.map((name) => parseVerifierKey(vkeys.get(name) as string));
    const open = () => openNote(c.message as string, verifiers);
    if (c.wantErr) {
      expect(open).toThrow();
      return;
    }
    const opened = open();
    expect(opened.text).toBe(c.wantText);
    expect(new Set(opened.verified.map((v) => v.name))).toEqual(new Set((c.wantSigs ?? []).map((s) => s.name)));
  });

  it.each(cases.map((c) => [c.desc, c] as const))("open with WebCrypto: %s", async (_, c) => {
    const verifiers = await Promise.all(c.verifiers.map((name) => parseVerifierKeyWeb(vkeys.get(name) as string)));
    const open = openNoteWeb(c.message as string, verifiers);
    if (c.wantErr) {
      await expect(open).rejects.toThrow();
      return;
    }
    expect(await open).toEqual(
      openNote(
        c.message as string,
        c.verifiers.map((name) => parseVerifierKey(vkeys.get(name) as string)),
      ),
    );
  });
});
