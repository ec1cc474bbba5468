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

/** The bundle of a log whose entries before `start` were dropped: its start line carries the tree's frontier there, then the entries and checkpoints from `start` on. */
function startedBundle(lines: string[], start: number): string[] {
  const tree = new TreeBuilder();
  for (let seq = 0; seq < start; seq += 1) tree.push(hashLeaf(JSON.parse(lines[lineOf(lines, seq)] as string).canonical));
  const startLine = JSON.stringify({ type: "start", size: start, frontier: tree.frontierOf().map(toHex) });
  const kept = lines.slice(2).filter((line) => {
    const record = JSON.parse(line) as { type: string; seq?: number; note?: string; size?: number };
    return record.type === "entry" ? (record.seq as number) >= start : (record.size as number) >= start;
  });
  return [lines[0] as string, lines[1] as string, startLine, ...kept];
}

describe("a bundle that starts where the log now starts (its oldest entries dropped under retention)", () => {
  const lines = bundle(40, 7);

  it.each([21, 14, 1, 39])("verifies from a start at seq %i and reports it", async (start) => {
    const report = await both(startedBundle(lines, start));
    expect(report).toMatchObject({ valid: true, startSize: start, checkedEntries: 40 - start, complete: true, treeSize: 40 });
  });

  it("names the start, not seq 0, as the first entry nothing ties to the log when no checkpoint came", async () => {
    const started = startedBundle(lines, 21).filter((line) => !line.startsWith('{"type":"checkpoint"'));
    expect(await both(started)).toMatchObject({ valid: false, firstBrokenSeq: 21, problem: "the bundle has no signed checkpoint, so nothing ties its 19 entries to the log" });
  });

  it("reports 0 for a whole log", async () => {
    expect(await both(lines)).toMatchObject({ valid: true, startSize: 0 });
  });

  it("checks a checkpoint at the start itself against the frontier", async () => {
    const started = startedBundle(lines, 21);
    expect(started[3]).toContain('"type":"checkpoint"');
    const forged = JSON.parse(started[2] as string);
    forged.frontier[0] = "0".repeat(64);
    const report = await both([started[0] as string, started[1] as string, JSON.stringify(forged), ...started.slice(3)]);
    expect(report).toMatchObject({ valid: false, problem: expect.stringMatching(/do not match the signed checkpoint/) });
  });

  it("catches a forged frontier at the first checkpoint after the start", async () => {
    const started = startedBundle(lines, 17);
    const forged = JSON.parse(started[2] as string);
    forged.frontier[forged.frontier.length - 1] = "a".repeat(64);
    const report = await both([started[0] as string, started[1] as string, JSON.stringify(forged), ...started.slice(3)]);
    expect(report).toMatchObject({ valid: false, firstBrokenSeq: 20, problem: expect.stringMatching(/entries up to seq 20 do not match/) });
  });

  it("catches an entry edited after the start", async () => {
    const started = startedBundle(lines, 17);
    const at = lineOf(started, 25);
    started[at] = (started[at] as string).replace("entry 25", "entry 26");
    expect(await both(started)).toMatchObject({ valid: false, firstBrokenSeq: 25, firstBadLine: at + 1 });
  });

  it("refuses entries that do not begin at the start", async () => {
    const started = startedBundle(lines, 17);
    started.splice(lineOf(started, 17), 1);
    expect(await both(started)).toMatchObject({ valid: false, problem: "entry 17 is missing (the next entry is 18)" });
  });

  it("refuses a checkpoint from before the start", async () => {
    const started = startedBundle(lines, 17);
    const before = lines.find((line) => line.includes('"size":14,')) as string;
    started.splice(3, 0, before);
    expect(await both(started)).toMatchObject({
      valid: false,
      problem: "the checkpoint of size 14 is from before the log's start (seq 17); a bundle that starts there carries none",
    });
  });

  it.each([
    ["a second start line", (s: string[]) => [...s.slice(0, 3), s[2] as string, ...s.slice(3)], "a start line comes once, before any entry or checkpoint"],
    [
      "a start line after an entry",
      (s: string[]) => [s[0] as string, s[1] as string, s[3] as string, s[2] as string, ...s.slice(4)],
      "a start line comes once, before any entry or checkpoint",
    ],
    [
      "a size of 0",
      (s: string[]) => [s[0] as string, s[1] as string, JSON.stringify({ type: "start", size: 0, frontier: [] }), ...s.slice(3)],
      "a start line's size is a positive integer",
    ],
    [
      "a size that is not an integer",
      (s: string[]) => [s[0] as string, s[1] as string, JSON.stringify({ type: "start", size: 2.5, frontier: [] }), ...s.slice(3)],
      "a start line's size is a positive integer",
    ],
    [
      "a frontier of the wrong length",
      (s: string[]) => [s[0] as string, s[1] as string, JSON.stringify({ type: "start", size: 21, frontier: ["0".repeat(64)] }), ...s.slice(3)],
      "a start line of size 21 has 1 frontier hashes, not one per perfect subtree (3)",
    ],
    [
      "a frontier that is not hashes",
      (s: string[]) => [s[0] as string, s[1] as string, JSON.stringify({ type: "start", size: 1, frontier: ["xyz"] }), ...s.slice(3)],
      "a start line's frontier must be a list of at most 64 hex hashes",
    ],
  ])("refuses %s", async (_what, edit, problem) => {
    expect(await both(edit(startedBundle(lines, 21)))).toMatchObject({ valid: false, problem });
  });

  it("refuses a start line in a filtered bundle", async () => {
    const started = startedBundle(lines, 21);
    const filtered = [JSON.stringify({ ...JSON.parse(started[0] as string), filter: { type: "test.note" } }), ...started.slice(1)];
    // A filtered verification is not saved and resumed (see above), so the sequential and parallel verifiers are compared here.
    const report = await verifyBundle(filtered.join("\n"), { keys: [vkey] });
    expect(report).toMatchObject({ valid: false, problem: "a filtered bundle proves each entry and has no start line", firstBadLine: 3 });
    expect(await verifyBundleParallel(Readable.from([filtered.join("\n")]), { keys: [vkey], workers: 2 })).toEqual(report);
  });

  it("cannot show that the log only grew since a checkpoint saved before its start", async () => {
    const saved = (JSON.parse(lines.find((line) => line.includes('"size":14,')) as string) as { note: string }).note;
    const report = await verifyBundle(startedBundle(lines, 21).join("\n"), { keys: [vkey], since: saved });
    expect(report).toMatchObject({
      valid: false,
      problem:
        "your saved checkpoint has size 14, but this bundle starts at seq 21 (the entries before it were dropped under the org's retention): it cannot show the log only grew since",
    });
  });

  it.each([21, 28])("shows the log only grew since a checkpoint saved at or after its start (%i)", async (size) => {
    const saved = (JSON.parse(lines.find((line) => line.includes(`"size":${size},`)) as string) as { note: string }).note;
    const report = await verifyBundle(startedBundle(lines, 21).join("\n"), { keys: [vkey], since: saved });
    expect(report).toMatchObject({ valid: true, since: { treeSize: size, consistent: true } });
  });
});
