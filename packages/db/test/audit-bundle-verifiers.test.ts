import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { verifyBundle as sdkVerifyBundle } from "@gatehouse/sdk/verify";
import {
  formatCheckpoint,
  generateSigner,
  hashLeaf,
  signNote,
  toHex,
  TreeBuilder,
  verifyBundle,
  verifyBundleParallel,
  type NoteSigner,
  type UnsignedEntries,
} from "@gatehouse/tlog";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/src/cli";
import { appendAuditEntries } from "../src/audit/append-audit-entries";
import { checkpointAuditLog } from "../src/audit/checkpoint-audit-log";
import { exportAuditLog } from "../src/audit/export-audit-log";
import { listSigningKeys } from "../src/audit/list-signing-keys";
import { activeSigner, logOrigin } from "../src/audit/signing-keys";
import { verifyAuditLog, verifyStoredAuditLog } from "../src/audit/verify-audit-log";
import { db, disconnectDb } from "../src/infra/client";
import { createTestOrg, noteEntry, type TestOrg } from "../src/testing";

// An auditor is shown "valid" only for what a signature covers. Each row tampers with a real export
// (this org's log, exported by the service, checkpoints signed with the org's key) the way someone
// holding the file could, and every offline verifier — the tlog function (sequential and on worker
// threads), the SDK's `@gatehouse/sdk/verify`, and `gatehouse verify` (exit status and output) —
// must refuse it with the row's reason. `allowUnsigned` / `--allow-unsigned` relaxes exactly one
// row class, entries after the last signed checkpoint, and even then they are reported.

afterAll(async () => {
  await disconnectDb();
});

const dir = mkdtempSync(join(tmpdir(), "gatehouse-bundle-verifiers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OTHER_ORIGIN = "gatehouse/org_someoneelse";
/** A key named for this org's log that the org never had, and one named for another org's log. */
let impostor: { signer: NoteSigner; vkey: string };
const otherOrg = generateSigner(OTHER_ORIGIN);

interface Exported {
  origin: string;
  /** The bundle's lines, without the final newline's empty one. */
  lines: string[];
  /** The org's own signer: a tampering that only the log's keeper could sign (a fork). */
  signer: NoteSigner;
  keys: string[];
  size: number;
  /** A checkpoint the service signed earlier, of a smaller tree. */
  olderCheckpoint: string;
}

/** A filtered export with a consistency proof from the older checkpoint's size (`sinceSize`). */
let filteredSince: string[];
/** A filtered export that matches no entry. */
let filteredEmpty: string[];

let whole: Exported;
let filtered: Exported;

const note = (i: number) => noteEntry(i, "bundle-verifiers");

async function exported(org: TestOrg, input: Record<string, unknown>): Promise<string[]> {
  const bundle = await exportAuditLog({ ctx: org.ctx, input });
  let text = "";
  for await (const chunk of bundle.chunks) text += chunk;
  expect(text.endsWith("\n")).toBe(true);
  return text.slice(0, -1).split("\n");
}

beforeAll(async () => {
  const org = await createTestOrg({ label: "bundle-verifiers" });
  for (let batch = 0; batch < 3; batch += 1) {
    await db().$transaction((tx) =>
      appendAuditEntries(
        tx,
        org.org.id,
        Array.from({ length: 6 }, (_, i) => note(batch * 6 + i)),
      ),
    );
    await checkpointAuditLog(org.org.id);
  }
  const origin = logOrigin(org.org.id);
  impostor = generateSigner(origin);
  const { signer } = await activeSigner(org.org.id);
  const keys = (await listSigningKeys({ ctx: org.ctx })).map((k) => k.vkey);
  const lines = await exported(org, {});
  const size = JSON.parse(lines[0] as string).treeSize as number;
  const older = await db().checkpoint.findFirstOrThrow({ where: { orgId: org.org.id, treeSize: { lt: size } }, orderBy: { treeSize: "desc" } });
  whole = { origin, lines, signer, keys, size, olderCheckpoint: older.note };
  filtered = { ...whole, lines: await exported(org, { type: "org.renamed" }) };
  filteredEmpty = await exported(org, { type: "no.such.type" });
  filteredSince = await exported(org, { type: "org.renamed", sinceSize: Number(older.treeSize) });
});

const parse = (line: string): Record<string, unknown> => JSON.parse(line) as Record<string, unknown>;
const isEntry = (line: string) => line.startsWith('{"type":"entry"');
const isCheckpoint = (line: string) => line.startsWith('{"type":"checkpoint"');
const entryAt = (lines: string[], seq: number) => lines.findIndex((line) => isEntry(line) && parse(line).seq === seq);
const text = (lines: string[]) => `${lines.join("\n")}\n`;

/** The entry after `last` as the log would write it: the same shape, the next seq. */
function nextEntry(last: string, seq: number): string {
  const canonical = (parse(last).canonical as string).replace(/"seq":\d+/, `"seq":${seq}`).replace(/"to":"note \d+"/, `"to":"note ${1000 + seq}"`);
  return JSON.stringify({ type: "entry", seq, canonical, leafHash: toHex(hashLeaf(canonical)) });
}

/** The whole bundle with `count` entries appended after its last checkpoint. */
function withTail(b: Exported, count: number): string[] {
  const lines = [...b.lines];
  const last = lines.findLast(isEntry) as string;
  for (let i = 0; i < count; i += 1) lines.push(nextEntry(last, b.size + i));
  return lines;
}

/** A checkpoint line of `origin` at `size` over `root`, signed by `signers`. */
const checkpointLine = (origin: string, size: number, root: Buffer, signers: NoteSigner[]) =>
  JSON.stringify({ type: "checkpoint", size, note: signNote(formatCheckpoint(origin, size, root), signers) });

/** The root of the bundle's entries with entry `seq` replaced by another text: a fork of the log. */
function forkedRoot(b: Exported, seq: number): Buffer {
  const tree = new TreeBuilder();
  for (const line of b.lines.filter(isEntry)) {
    const entry = parse(line);
    tree.push(hashLeaf(entry.seq === seq ? `${entry.canonical as string} ` : (entry.canonical as string)));
  }
  return tree.root();
}

/** Replaces the bundle's last checkpoint line with `line`. */
function replaceLastCheckpoint(lines: string[], line: string): string[] {
  const at = lines.findLastIndex(isCheckpoint);
  return lines.map((l, i) => (i === at ? line : l));
}

interface Row {
  name: string;
  bundle: () => string;
  /** Keys the auditor trusts besides the org's. */
  extraKeys?: () => string[];
  /** null: valid. */
  problem: RegExp | null;
  firstBrokenSeq?: () => number | null;
  /** The unsigned tail this row appends: it fails, unless allowed, when it is valid and reported. */
  unsigned?: () => UnsignedEntries;
}

const rows: Row[] = [
  { name: "the untouched whole export", bundle: () => text(whole.lines), problem: null },
  { name: "the untouched filtered export", bundle: () => text(filtered.lines), problem: null },
  {
    name: "3 entries appended after the last signed checkpoint",
    bundle: () => text(withTail(whole, 3)),
    problem: /^3 entries \(seq \d+–\d+\) come after the last signed checkpoint \(tree size \d+\): no signature covers them/,
    firstBrokenSeq: () => whole.size,
    unsigned: () => ({ count: 3, firstSeq: whole.size, lastSeq: whole.size + 2 }),
  },
  {
    name: "1 entry appended after the last signed checkpoint, the header removed",
    bundle: () => text(withTail(whole, 1).slice(1)),
    problem: /^1 entry \(seq \d+\) comes after the last signed checkpoint \(tree size \d+\): no signature covers it/,
    firstBrokenSeq: () => whole.size,
    unsigned: () => ({ count: 1, firstSeq: whole.size, lastSeq: whole.size }),
  },
  {
    name: "entries appended and the header's tree size raised to match",
    bundle: () => {
      const lines = withTail(whole, 2);
      lines[0] = JSON.stringify({ ...parse(lines[0] as string), treeSize: whole.size + 2 });
      return text(lines);
    },
    problem: /^the bundle says it covers \d+ entries, but it ends without the checkpoint of that size: it was cut off$/,
  },
  {
    name: "no checkpoint at all",
    bundle: () => text(whole.lines.filter((line) => !isCheckpoint(line))),
    problem: /^the bundle has no signed checkpoint, so nothing ties its \d+ entries to the log$/,
    firstBrokenSeq: () => 0,
  },
  {
    name: "header and keys only",
    bundle: () => text(whole.lines.filter((line) => !isCheckpoint(line) && !isEntry(line))),
    problem: /^the bundle has no signed checkpoint$/,
  },
  {
    name: "a checkpoint beyond the entries: the last two entries removed",
    bundle: () => text(whole.lines.filter((_, i) => i !== entryAt(whole.lines, whole.size - 1) && i !== entryAt(whole.lines, whole.size - 2))),
    problem: /^the bundle ends after \d+ entries, but the checkpoint at line \d+ covers \d+: entries were cut off$/,
    firstBrokenSeq: () => whole.size - 2,
  },
  {
    name: "a checkpoint beyond the entries, signed with the org's key",
    bundle: () => text([...whole.lines, checkpointLine(whole.origin, whole.size + 5, forkedRoot(whole, 0), [whole.signer])]),
    problem: /^the bundle ends after \d+ entries, but the checkpoint at line \d+ covers \d+: entries were cut off$/,
    firstBrokenSeq: () => whole.size,
  },
  {
    name: "the last checkpoint re-signed by a key not in the bundle",
    bundle: () => {
      const last = parse(whole.lines.findLast(isCheckpoint) as string).note as string;
      return text(replaceLastCheckpoint(whole.lines, JSON.stringify({ type: "checkpoint", note: signNote(last.slice(0, last.indexOf("\n\n") + 1), [impostor.signer]) })));
    },
    problem: /the note has no signature by a known key$/,
  },
  {
    name: "a checkpoint of another origin, signed with the org's key",
    bundle: () => text(replaceLastCheckpoint(whole.lines, checkpointLine(OTHER_ORIGIN, whole.size, forkedRoot(whole, 0), [whole.signer]))),
    problem: /^origin "gatehouse\/org_someoneelse" differs from "gatehouse\/org_\w+": these are different logs$/,
  },
  {
    name: "a checkpoint signed only by a trusted key named for another log",
    extraKeys: () => [otherOrg.vkey],
    bundle: () => {
      const last = parse(whole.lines.findLast(isCheckpoint) as string).note as string;
      return text(replaceLastCheckpoint(whole.lines, JSON.stringify({ type: "checkpoint", note: signNote(last.slice(0, last.indexOf("\n\n") + 1), [otherOrg.signer]) })));
    },
    problem: /^the checkpoint of "gatehouse\/org_\w+" is signed only by a key of "gatehouse\/org_someoneelse", not by that log's key$/,
  },
  {
    name: "a key line for a different org",
    bundle: () => text([whole.lines[0] as string, JSON.stringify({ type: "key", vkey: otherOrg.vkey }), ...whole.lines.slice(1)]),
    problem: /^a key line is for "gatehouse\/org_someoneelse", not for this log \("gatehouse\/org_\w+"\)$/,
  },
  {
    name: "a later checkpoint that does not extend the earlier ones (a fork signed with the org's key)",
    bundle: () => text(replaceLastCheckpoint(whole.lines, checkpointLine(whole.origin, whole.size, forkedRoot(whole, 1), [whole.signer]))),
    problem: /^the entries up to seq \d+ do not match the signed checkpoint at line \d+/,
    firstBrokenSeq: () => whole.size - 1,
  },
  {
    name: "two signed checkpoints of one size with different roots",
    bundle: () => text([...whole.lines, checkpointLine(whole.origin, whole.size, forkedRoot(whole, 1), [whole.signer])]),
    problem: /^two signed checkpoints of size \d+ with different roots \(lines \d+ and \d+\): the log forked$/,
  },
  {
    name: "a gap in seq (entry 3 removed)",
    bundle: () => text(whole.lines.filter((_, i) => i !== entryAt(whole.lines, 3))),
    problem: /^entry 3 is missing \(the next entry is 4\)$/,
    firstBrokenSeq: () => 3,
  },
  {
    name: "a repeated seq (entry 3 twice)",
    bundle: () => {
      const lines = [...whole.lines];
      lines.splice(entryAt(lines, 4), 0, lines[entryAt(lines, 3)] as string);
      return text(lines);
    },
    problem: /^a second entry 3 appears after entry 3/,
    firstBrokenSeq: () => 3,
  },
  {
    name: "a filtered export with an entry repeated",
    bundle: () => {
      const lines = [...filtered.lines];
      const first = lines.findIndex(isEntry);
      lines.splice(first + 1, 0, lines[first] as string);
      return text(lines);
    },
    problem: /^entry \d+ appears twice$/,
  },
  {
    name: "a filtered export with two entries swapped",
    bundle: () => {
      const lines = [...filtered.lines];
      const first = lines.findIndex(isEntry);
      [lines[first], lines[first + 1]] = [lines[first + 1] as string, lines[first] as string];
      return text(lines);
    },
    problem: /^entry \d+ comes after entry \d+: a filtered bundle lists its entries in seq order$/,
  },
  {
    name: "a filtered export with an older checkpoint and no consistency proof to the export's",
    bundle: () => {
      const lines = [...filtered.lines];
      lines.splice(lines.findIndex(isCheckpoint), 0, JSON.stringify({ type: "checkpoint", note: filtered.olderCheckpoint }));
      return text(lines);
    },
    problem: /^the checkpoint of size \d+ at line \d+ is not proven to be part of the log of size \d+/,
  },
  {
    name: "a filtered export with an older checkpoint and the consistency proof from it",
    bundle: () => {
      const lines = [...filteredSince];
      lines.splice(lines.findIndex(isCheckpoint), 0, JSON.stringify({ type: "checkpoint", note: filtered.olderCheckpoint }));
      return text(lines);
    },
    problem: null,
  },
  { name: "a filtered export that matches no entry", bundle: () => text(filteredEmpty), problem: null },
  {
    name: "a whole export's header marked as filtered",
    bundle: () => text([JSON.stringify({ ...parse(whole.lines[0] as string), filter: { type: "org.renamed" } }), ...whole.lines.slice(1)]),
    problem: /^entry 0 has no proof, but the bundle is filtered: each of its entries carries one$/,
    firstBrokenSeq: () => 0,
  },
  {
    name: "the header's root changed",
    bundle: () => text([JSON.stringify({ ...parse(whole.lines[0] as string), rootHash: toHex(forkedRoot(whole, 2)) }), ...whole.lines.slice(1)]),
    problem: /^the bundle's header names root [0-9a-f]{64} for tree size \d+, but the signed checkpoint of that size has root [0-9a-f]{64}$/,
  },
  { name: "trailing garbage: text", bundle: () => text([...whole.lines, "garbage"]), problem: /^not a JSON line$/ },
  { name: "trailing garbage: JSON null", bundle: () => text([...whole.lines, "null"]), problem: /^not a JSON object$/ },
  { name: "trailing garbage: a line of an unknown type", bundle: () => text([...whole.lines, '{"type":"note"}']), problem: /^unknown line type "note"$/ },
  { name: "trailing garbage: a second header", bundle: () => text([...whole.lines, whole.lines[0] as string]), problem: /^a bundle header comes only once, as the first line$/ },
  { name: "an empty bundle", bundle: () => "", problem: /^the bundle is empty/ },
  { name: "a bundle of blank lines", bundle: () => "\n\n\n", problem: /^the bundle is empty/ },
];

/** What a surface says: the verdict, the reason, the first broken seq and the unsigned tail it reports. */
interface Said {
  valid: boolean;
  problem: string | null;
  firstBrokenSeq: number | null;
  unsigned: UnsignedEntries | null;
}

type Surface = (bundle: string, options: { keys: string[]; allowUnsigned: boolean }) => Promise<Said>;

const said = ({ valid, problem, firstBrokenSeq, unsigned }: Said): Said => ({ valid, problem, firstBrokenSeq, unsigned });

let files = 0;
const surfaces: Array<[string, Surface]> = [
  ["tlog verifyBundle", async (bundle, options) => said(await verifyBundle(bundle, options))],
  [
    "tlog verifyBundleParallel",
    async (bundle, options) => {
      // Small chunks: lines split across chunks and batches must not change the verdict.
      const bytes = Buffer.from(bundle);
      const chunks = Array.from({ length: Math.ceil(bytes.length / 997) }, (_, i) => bytes.subarray(i * 997, (i + 1) * 997));
      return said(await verifyBundleParallel(Readable.from(chunks), { ...options, workers: 2 }));
    },
  ],
  ["SDK @gatehouse/sdk/verify", async (bundle, options) => said(await sdkVerifyBundle(bundle, options))],
  [
    "CLI gatehouse verify",
    async (bundle, { keys, allowUnsigned }) => {
      const path = join(dir, `bundle-${(files += 1)}.jsonl`);
      writeFileSync(path, bundle);
      let stdout = "";
      let stderr = "";
      const code = await main({
        argv: ["verify", path, ...keys.flatMap((key) => ["--key", key]), ...(allowUnsigned ? ["--allow-unsigned"] : [])],
        env: {},
        fetch: () => Promise.reject(new Error("gatehouse verify is offline")),
        stdout: (out) => {
          stdout += out;
        },
        stderr: (err) => {
          stderr += err;
        },
      });
      expect(stderr).toBe("");
      expect([0, 1]).toContain(code);
      const output = stdout.split("\n");
      if (code === 1) {
        const failed = /^✗ invalid(?: at line \d+)?(?: \(entry seq (\d+)\))?: (.*)$/.exec(output[0] as string);
        expect(failed, stdout).not.toBeNull();
        const seq = failed?.[1] === undefined ? null : Number(failed[1]);
        const tail = /^\d+ entr(?:y|ies) \(seq (\d+)(?:–(\d+))?\) comes? after the last signed checkpoint/.exec(failed?.[2] ?? "");
        if (tail) expect(output[1]).toBe("  to check the signed part alone and list these entries as unsigned: --allow-unsigned");
        const unsigned = tail ? { count: Number(tail[2] ?? tail[1]) - Number(tail[1]) + 1, firstSeq: Number(tail[1]), lastSeq: Number(tail[2] ?? tail[1]) } : null;
        return { valid: false, problem: failed?.[2] ?? null, firstBrokenSeq: seq, unsigned };
      }
      const warned =
        /^⚠ not covered by a signature: (\d+) entr(?:y|ies) \(seq (\d+)(?:–(\d+))?\) comes? after the last signed checkpoint; nothing shows they are the log's \(accepted only because of --allow-unsigned\)$/.exec(
          output[1] ?? "",
        );
      expect(output[0]).toMatch(warned ? /^✓ valid up to tree size \d+: / : /^✓ valid: /);
      const unsigned = warned ? { count: Number(warned[1]), firstSeq: Number(warned[2]), lastSeq: Number(warned[3] ?? warned[2]) } : null;
      return { valid: true, problem: null, firstBrokenSeq: null, unsigned };
    },
  ],
];

describe.each(surfaces)("%s", (_surface, verify) => {
  it.each(rows.map((row) => [row.name, row] as const))("%s", async (_name, row) => {
    const bundle = row.bundle();
    const keys = [...whole.keys, ...(row.extraKeys?.() ?? [])];
    const strict = await verify(bundle, { keys, allowUnsigned: false });
    const relaxed = await verify(bundle, { keys, allowUnsigned: true });
    if (row.problem === null) {
      expect(strict).toEqual({ valid: true, problem: null, firstBrokenSeq: null, unsigned: null });
      expect(relaxed).toEqual(strict);
      return;
    }
    expect(strict.valid).toBe(false);
    expect(strict.problem).toMatch(row.problem);
    if (row.firstBrokenSeq) expect(strict.firstBrokenSeq).toBe(row.firstBrokenSeq());
    if (row.unsigned) {
      // The strict verdict names the tail; allowing it makes the bundle valid and still reports it.
      expect(strict.unsigned).toEqual(row.unsigned());
      expect(relaxed).toEqual({ valid: true, problem: null, firstBrokenSeq: null, unsigned: row.unsigned() });
    } else {
      // allowUnsigned relaxes nothing else.
      expect(strict.unsigned).toBeNull();
      expect(relaxed).toEqual(strict);
    }
  });
});

// POST /v1/audit/verify and the console's Audit → Verify recompute the stored log. They sign the head
// first, so only entries appended while the check runs can lie past the last checkpoint: the head
// checks those, and the answer counts them instead of calling them signed.
describe("the server's own check", () => {
  it("counts the entries after the last signed checkpoint as unsigned, and signing first leaves none", async () => {
    const org = await createTestOrg({ label: "bundle-verifiers-server" });
    await checkpointAuditLog(org.org.id);
    const signed = Number((await db().auditLogHead.findUniqueOrThrow({ where: { orgId: org.org.id } })).size);
    await db().$transaction((tx) => appendAuditEntries(tx, org.org.id, [note(1), note(2), note(3)]));
    expect(await verifyStoredAuditLog({ ctx: org.ctx })).toMatchObject({ valid: true, checkedEntries: signed + 3, treeSize: signed + 3, unsignedEntries: 3 });
    expect(await verifyAuditLog({ ctx: org.ctx })).toMatchObject({ valid: true, checkedEntries: signed + 3, unsignedEntries: 0 });
  });
});
