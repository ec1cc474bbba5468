import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { BundleVerifier, formatCheckpoint, generateSigner, hashLeaf, signNote, toHex, TreeBuilder, verifyBundle, verifyBundleParallel, type BundleReport } from "../src/index";

const ORIGIN = "gatehouse/org_bundletest";
const { signer, vkey } = generateSigner(ORIGIN);

/** A bundle as the export writes it: header, key, entries with a checkpoint after every `every`. */
function bundle(n: number, every = 7): string[] {
  const tree = new TreeBuilder();
  const lines = [JSON.stringify({ type: "bundle", version: 1, origin: ORIGIN, treeSize: n }), JSON.stringify({ type: "key", vkey })];
  for (let seq = 0; seq < n; seq += 1) {
    const canonical = JSON.stringify({ data: { note: `entry ${seq}`, quote: '"' }, id: `aud_${seq}`, seq, type: "test.note", v: 1 });
    const leaf = hashLeaf(canonical);
    tree.push(leaf);
    lines.push(JSON.stringify({ type: "entry", seq, canonical, leafHash: toHex(leaf) }));
    if ((seq + 1) % every === 0 || seq === n - 1)
      lines.push(JSON.stringify({ type: "checkpoint", size: seq + 1, note: signNote(formatCheckpoint(ORIGIN, seq + 1, tree.root()), [signer]) }));
  }
  return lines;
}

async function both(lines: string[], options: { keys?: string[]; allowUnsigned?: boolean } = { keys: [vkey] }): Promise<BundleReport> {
  const text = `${lines.join("\n")}\n`;
  const sequential = await verifyBundle(text, options);
  // Tiny chunks: lines split across chunks and batches must not change the verdict.
  const chunks = Readable.from(Array.from({ length: Math.ceil(text.length / 97) }, (_, i) => Buffer.from(text.slice(i * 97, (i + 1) * 97))));
  const parallel = await verifyBundleParallel(chunks, { ...options, workers: 2 });
  expect(parallel).toEqual(sequential);
  expect(resumedAfterEveryLine(lines, options)).toEqual(sequential);
  return sequential;
}

/** The same bundle fed one line at a time, the verifier saved to plain data and resumed after each line (as the server's page steps on worker threads do). */
function resumedAfterEveryLine(lines: string[], options: { keys?: string[]; allowUnsigned?: boolean }): BundleReport {
  let verifier = new BundleVerifier(options);
  for (const line of lines) {
    verifier.line(line);
    if (verifier.failed) break;
    verifier = BundleVerifier.resume(options, structuredClone(verifier.save()));
  }
  return verifier.finish();
}

const lineOf = (lines: string[], seq: number) => lines.findIndex((l) => l.startsWith(`{"type":"entry","seq":${seq},`));

describe("bundle verification (sequential and on worker threads agree)", () => {
  const lines = bundle(60);

  it("accepts an intact bundle and reports its tree", async () => {
    const report = await both(lines);
    expect(report).toMatchObject({ valid: true, checkedEntries: 60, checkedCheckpoints: 9, complete: true, treeSize: 60, origin: ORIGIN, keysFrom: "options" });
  });

  it("uses the bundle's own keys when none are given, and says so", async () => {
    expect(await both(lines, {})).toMatchObject({ valid: true, keysFrom: "bundle", keys: [vkey] });
  });

  it("refuses checkpoints signed by another key", async () => {
    const other = generateSigner(ORIGIN).vkey;
    const report = await both(lines, { keys: [other] });
    expect(report.valid).toBe(false);
    expect(report.problem).toMatch(/no signature by a known key/);
  });

  it("names the line of an edited entry", async () => {
    const edited = [...lines];
    const at = lineOf(lines, 20);
    edited[at] = (edited[at] as string).replace("entry 20", "entry 21");
    expect(await both(edited)).toMatchObject({ valid: false, firstBrokenSeq: 20, firstBadLine: at + 1 });
  });

  it("catches an edit whose leaf hash was recomputed, at the next checkpoint", async () => {
    const edited = [...lines];
    const at = lineOf(lines, 20);
    const record = JSON.parse(edited[at] as string);
    record.canonical = (record.canonical as string).replace("entry 20", "entry 21");
    record.leafHash = toHex(hashLeaf(record.canonical));
    edited[at] = JSON.stringify(record);
    const report = await both(edited);
    expect(report).toMatchObject({ valid: false, firstBrokenSeq: 20 });
    expect(report.problem).toMatch(/do not match the signed checkpoint/);
  });

  it("catches a missing, a repeated and a moved entry", async () => {
    expect(await both(lines.filter((_, i) => i !== lineOf(lines, 30)))).toMatchObject({ valid: false, firstBrokenSeq: 30 });
    const repeated = [...lines];
    repeated.splice(lineOf(lines, 31), 0, lines[lineOf(lines, 30)] as string);
    expect(await both(repeated)).toMatchObject({ valid: false, firstBrokenSeq: 30 });
    const moved = [...lines];
    [moved[lineOf(lines, 33)], moved[lineOf(lines, 40)]] = [lines[lineOf(lines, 40)] as string, lines[lineOf(lines, 33)] as string];
    expect(await both(moved)).toMatchObject({ valid: false, firstBrokenSeq: 33 });
  });

  it("catches a truncated bundle, even one cut before its last checkpoint line", async () => {
    expect(await both(lines.slice(0, lineOf(lines, 45)))).toMatchObject({ valid: false, firstBrokenSeq: 45 });
    expect((await both(lines.slice(0, -1))).problem).toMatch(/cut off/);
  });

  it("fails entries after the last signed checkpoint, naming them, unless allowUnsigned; then reports them", async () => {
    // 60 entries with checkpoints every 7: the last checkpoint covers 56 until the one at the end; drop that one.
    const tail = lines.filter((_, i) => i !== lines.length - 1);
    const unsigned = { count: 4, firstSeq: 56, lastSeq: 59 };
    const header = JSON.stringify({ type: "bundle", version: 1, origin: ORIGIN, treeSize: 56 });
    const strict = await both([header, ...tail.slice(1)]);
    expect(strict).toMatchObject({ valid: false, unsigned, firstBrokenSeq: 56, firstBadLine: lineOf(lines, 56) + 1, treeSize: 56 });
    expect(strict.problem).toBe("4 entries (seq 56–59) come after the last signed checkpoint (tree size 56): no signature covers them, so nothing shows they are the log's");
    expect(await both([header, ...tail.slice(1)], { keys: [vkey], allowUnsigned: true })).toMatchObject({ valid: true, unsigned, problem: null, treeSize: 56, checkedEntries: 60 });
    expect(await both(lines, { keys: [vkey], allowUnsigned: true })).toMatchObject({ valid: true, unsigned: null });
  });

  it("a saved verification goes on only for a complete bundle", () => {
    const verifier = new BundleVerifier({ keys: [vkey] });
    verifier.line(JSON.stringify({ type: "bundle", version: 1, origin: ORIGIN, treeSize: 1, filter: { agentId: "agt_x" } }));
    expect(() => verifier.save()).toThrow(/complete bundle/);
  });

  it("refuses a bundle with no checkpoint and lines that are not JSON", async () => {
    expect((await both(lines.filter((l) => !l.includes('"checkpoint"')))).valid).toBe(false);
    const garbage = [...lines];
    garbage.splice(5, 0, "not json");
    expect(await both(garbage)).toMatchObject({ valid: false, firstBadLine: 6, problem: "not a JSON line" });
  });
});
