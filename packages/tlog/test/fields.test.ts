import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { fieldDigestInput, formatCheckpoint, generateSigner, hashLeaf, sealedFieldsProblem, signNote, toHex, TreeBuilder, verifyBundle, verifyBundleParallel } from "../src/index";

// Second-format entries (docs/adr/0023-erasure.md): the verifier checks every sealed field against its
// digest, accepts an erased one, and refuses a changed, missing, extra or doubled field — the same
// verdict sequentially and on worker threads.

const ORIGIN = "gatehouse/org_fieldstest";
const { signer, vkey } = generateSigner(ORIGIN);
const sha = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

interface Field {
  value: unknown;
  salt: string;
}

/** A second-format canonical text with sorted keys, sealing `fields`; and the line's fields as the export writes them. */
function secondFormat(seq: number, fields: Record<string, Field>): { canonical: string; present: Record<string, { canonical: string; salt: string }> } {
  const present: Record<string, { canonical: string; salt: string }> = {};
  const sealed: Record<string, string> = {};
  for (const [name, { value, salt }] of Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const canonical = JSON.stringify(value);
    present[name] = { canonical, salt };
    sealed[name] = sha(fieldDigestInput(name, salt, canonical));
  }
  const canonical = `{"data":{"actionType":"a.b"},"id":"aud_${seq}","sealed":${JSON.stringify(sealed)},"seq":${seq},"type":"action.decided","v":2}`;
  return { canonical, present };
}

/** A bundle of `n` second-format entries (each sealing metadata and message), `change` applied to each entry line's record. */
function bundle(n: number, change: (seq: number, record: Record<string, unknown>) => void = () => {}): string {
  const tree = new TreeBuilder();
  const lines = [JSON.stringify({ type: "key", vkey })];
  for (let seq = 0; seq < n; seq += 1) {
    const { canonical, present } = secondFormat(seq, { metadata: { value: { to: `p${seq}@example.com` }, salt: `0${seq}` }, message: { value: "sent", salt: `1${seq}` } });
    const leaf = hashLeaf(canonical);
    tree.push(leaf);
    const record: Record<string, unknown> = { type: "entry", seq, canonical, leafHash: toHex(leaf), fields: present };
    change(seq, record);
    lines.push(JSON.stringify(record));
  }
  lines.push(JSON.stringify({ type: "checkpoint", note: signNote(formatCheckpoint(ORIGIN, n, tree.root()), [signer]) }));
  return `${lines.join("\n")}\n`;
}

async function verdict(text: string): Promise<{ valid: boolean; problem: string | null; firstBrokenSeq: number | null }> {
  const sequential = await verifyBundle(text, { keys: [vkey] });
  const parallel = await verifyBundleParallel(Readable.from([Buffer.from(text)]), { keys: [vkey], workers: 2 });
  expect(parallel).toEqual(sequential);
  return { valid: sequential.valid, problem: sequential.problem, firstBrokenSeq: sequential.firstBrokenSeq };
}

const erase = (record: Record<string, unknown>, name: string, by: number) => {
  const fields = record.fields as Record<string, unknown>;
  delete fields[name];
  record.erased = { ...(record.erased as object), [name]: { seq: by } };
};

describe("bundles of second-format entries", () => {
  it("every field present and matching: valid", async () => {
    expect(await verdict(bundle(5))).toMatchObject({ valid: true, problem: null });
  });

  it("fields erased by a later entry: valid, and nothing of the value is needed", async () => {
    expect(await verdict(bundle(5, (seq, r) => seq % 2 === 0 && erase(r, "metadata", 9)))).toMatchObject({ valid: true });
    expect(await verdict(bundle(3, (_seq, r) => (erase(r, "metadata", 7), erase(r, "message", 7))))).toMatchObject({ valid: true });
  });

  it.each([
    [
      "a value changed",
      (r: Record<string, unknown>) => ((r.fields as { metadata: { canonical: string } }).metadata.canonical = '{"to":"someone@else"}'),
      /field metadata does not match/,
    ],
    ["a salt changed", (r: Record<string, unknown>) => ((r.fields as { metadata: { salt: string } }).metadata.salt = "ff"), /field metadata does not match/],
    [
      "a value put back with a salt of its own",
      (r: Record<string, unknown>) => (r.fields = { ...(r.fields as object), metadata: { canonical: "{}", salt: "00" } }),
      /does not match/,
    ],
    ["a field dropped (neither value nor erasure)", (r: Record<string, unknown>) => delete (r.fields as Record<string, unknown>).message, /field message has neither/],
    ["a field that was never sealed", (r: Record<string, unknown>) => ((r.fields as Record<string, unknown>).extra = { canonical: "1", salt: "00" }), /field extra was not sealed/],
    ["an erasure of a field never sealed", (r: Record<string, unknown>) => (r.erased = { extra: { seq: 9 } }), /erased field extra was not sealed/],
    ["a field both present and erased", (r: Record<string, unknown>) => (r.erased = { metadata: { seq: 9 } }), /both present and erased/],
    ["an erasure that names an entry before it", (r: Record<string, unknown>) => erase(r, "metadata", 0), /names the erasure entry after it/],
    ["fields not an object", (r: Record<string, unknown>) => (r.fields = "x"), /"fields" is an object/],
    ["a value without its salt", (r: Record<string, unknown>) => delete (r.fields as { metadata: { salt?: string } }).metadata.salt, /canonical text and salt/],
  ])("%s at entry 2: invalid, naming entry 2", async (_name, change, problem) => {
    const result = await verdict(bundle(4, (seq, r) => seq === 2 && change(r)));
    expect(result.valid).toBe(false);
    expect(result.problem).toMatch(problem);
    expect(result.problem).toMatch(/^entry 2:/);
    expect(result.firstBrokenSeq).toBe(2);
  });
});

describe("sealedFieldsProblem", () => {
  it("a first-format entry carries no fields", () => {
    expect(sealedFieldsProblem(0, '{"seq":0,"v":1}', undefined, undefined, sha)).toBeNull();
    expect(sealedFieldsProblem(0, '{"seq":0,"v":1}', { metadata: { canonical: "{}", salt: "0" } }, undefined, sha)).toMatch(/its format seals none/);
  });

  it("runs alone, as the parallel verifier's workers embed it (no name from outside itself)", () => {
    const embedded = new Function(`return (${sealedFieldsProblem.toString()})`)() as typeof sealedFieldsProblem;
    const { canonical, present } = secondFormat(3, { metadata: { value: { a: 1 }, salt: "ab" } });
    expect(embedded(3, canonical, present, undefined, sha)).toBeNull();
    expect(embedded(3, canonical, { metadata: { canonical: '{"a":2}', salt: "ab" } }, undefined, sha)).toMatch(/does not match/);
  });
});
