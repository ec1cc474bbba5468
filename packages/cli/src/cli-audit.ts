/**
 * The audit commands of the `gatehouse` CLI: `verify <bundle>` (offline: no key, no network) and
 * `audit export|checkpoint|keys|verify|proof`. cli.ts parses the command line and hands over the
 * values; the world (output, files, the client) comes in as arguments.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { unlink, writeFile } from "node:fs/promises";
import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Audit, AuditVerification, VerifiedInclusionProof } from "@gatehouse/sdk";
import { checkpointNoteSize, describeUnsigned, parseVerifierKey, verifyBundleParallel, type BundleReport } from "@gatehouse/sdk/verify";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from "./cli-common.ts";

/** What the audit commands touch outside themselves. */
export interface AuditCliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Reads a small file (keys, a saved checkpoint) as UTF-8. */
  readFile: (path: string) => Promise<string>;
  /** Whether stderr is a terminal: `verify` then reports its progress. */
  stderrIsTTY: boolean;
  /** Where `audit export` streams its bytes without `--out`, with backpressure; without it, the text goes through `stdout`. */
  stdoutStream?: Writable | undefined;
  signal?: AbortSignal | undefined;
}

/** How often `verify` reports its progress, in entries. */
export const PROGRESS_EVERY = 100_000;

/** A file of the command line could not be read: exit status 2, like a usage mistake, since nothing was checked. */
class FileProblem extends Error {}

/** Runs `fn`, turning a file it cannot read into a {@link FileProblem} naming `what`. */
async function reading<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new FileProblem(`cannot read ${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The trusted keys of `--key` arguments: a key itself, or `@file` with one key per line (blank lines and `#` comments skipped). */
export async function readKeyArguments(args: readonly string[], readFile: AuditCliIo["readFile"]): Promise<string[]> {
  const keys: string[] = [];
  for (const arg of args) {
    const lines = arg.startsWith("@") ? (await reading(`--key file ${arg.slice(1)}`, () => readFile(arg.slice(1)))).split("\n") : [arg];
    const found = lines.map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("#"));
    if (found.length === 0) throw new UsageError(`--key ${arg} holds no key`);
    for (const key of found) {
      try {
        parseVerifierKey(key);
      } catch (error) {
        throw new UsageError(`--key: ${JSON.stringify(key.slice(0, 80))} is not a verifier key (${error instanceof Error ? error.message : String(error)})`);
      }
      keys.push(key);
    }
  }
  return keys;
}

/** The signed checkpoint note in the `--since` file; its signature is checked with the other keys during verification. */
async function readSavedCheckpoint(path: string, readFile: AuditCliIo["readFile"]): Promise<string> {
  const note = await reading(`--since file ${path}`, () => readFile(path));
  try {
    checkpointNoteSize(note);
  } catch (error) {
    throw new UsageError(
      `--since ${path} is not a signed checkpoint (${error instanceof Error ? error.message : String(error)}); save one with gatehouse audit checkpoint --out <file>`,
    );
  }
  return note;
}

/** The file's bytes as they are read, a megabyte at a time; a failure to read throws a {@link FileProblem}. Bytes that are not UTF-8 become U+FFFD when their line is decoded, so they fail the check of their line. */
async function* fileBytes(path: string): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) yield chunk as Buffer;
  } catch (error) {
    throw new FileProblem(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export interface VerifyFileOptions {
  file: string;
  /** `--key` arguments, as given. */
  keyArgs: readonly string[];
  /** `--since` file. */
  sinceFile: string | undefined;
  /** `--allow-unsigned`: entries after the last signed checkpoint are listed, not a failure. */
  allowUnsigned: boolean;
  json: boolean;
  progress: boolean;
}

/** `gatehouse verify <bundle>`: 0 valid, 1 invalid, 2 when a file cannot be read. */
export async function verifyFile(io: AuditCliIo, options: VerifyFileOptions): Promise<number> {
  let report: BundleReport;
  try {
    const keys = options.keyArgs.length === 0 ? undefined : await readKeyArguments(options.keyArgs, io.readFile);
    const since = options.sinceFile === undefined ? undefined : await readSavedCheckpoint(options.sinceFile, io.readFile);
    const progress = options.progress || io.stderrIsTTY;
    // Parsing and leaf hashing run on worker threads; the verdict is the sequential verifier's.
    report = await verifyBundleParallel(fileBytes(options.file), {
      ...(keys === undefined ? {} : { keys }),
      ...(since === undefined ? {} : { since }),
      allowUnsigned: options.allowUnsigned,
      progressEvery: PROGRESS_EVERY,
      ...(progress ? { onProgress: (checked: number) => io.stderr(`… ${checked.toLocaleString("en-US")} entries checked\n`) } : {}),
    });
  } catch (error) {
    if (!(error instanceof FileProblem)) throw error;
    io.stderr(`error: ${error.message}\n`);
    return EXIT_USAGE;
  }
  if (report.valid && report.keysFrom === "bundle") io.stderr(bundleKeysWarning(report.keys));
  io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : describeReport(report));
  return report.valid ? EXIT_OK : EXIT_FAILURE;
}

function bundleKeysWarning(keys: readonly string[]): string {
  return [
    "warning: the signatures were checked with the keys inside the bundle itself, which whoever altered",
    "the bundle could have replaced too. Compare them with keys you got another way (gatehouse audit keys,",
    "or your own records) and pass those with --key:",
    ...keys.map((key) => `  ${key}`),
    "",
  ].join("\n");
}

/** `✓ valid: …` or `✗ invalid at line L (entry seq K): …`, what `--since` showed, and the entries no signature covers. */
export function describeReport(report: BundleReport): string {
  if (!report.valid) {
    const where = [
      report.firstBadLine === null ? undefined : `at line ${report.firstBadLine}`,
      report.firstBrokenSeq === null ? undefined : `(entry seq ${report.firstBrokenSeq})`,
    ].filter((part) => part !== undefined);
    const verdict = `✗ invalid${where.length === 0 ? "" : ` ${where.join(" ")}`}: ${report.problem ?? "unknown problem"}\n`;
    // Only the unsigned tail failed: say how to check the signed part alone.
    const tailOnly = report.unsigned !== null && report.firstBrokenSeq === report.unsigned.firstSeq;
    return tailOnly ? `${verdict}  to check the signed part alone and list these entries as unsigned: --allow-unsigned\n` : verdict;
  }
  const keys = `keys from ${report.keysFrom === "options" ? "--key" : "the bundle"}`;
  const checkpoints = count(report.checkedCheckpoints, "checkpoint", "checkpoints");
  const lines =
    report.unsigned === null
      ? [`✓ valid: ${count(report.checkedEntries, "entry", "entries")}, ${checkpoints}, tree size ${report.treeSize}, root ${report.rootHash} (${keys})`]
      : [
          `✓ valid up to tree size ${report.treeSize}: ${count(report.checkedEntries - report.unsigned.count, "entry", "entries")}, ${checkpoints}, root ${report.rootHash} (${keys})`,
          `⚠ not covered by a signature: ${describeUnsigned(report.unsigned)} after the last signed checkpoint; nothing shows they are the log's (accepted only because of --allow-unsigned)`,
        ];
  if (!report.complete && report.checkedEntries > 0)
    lines.push("  a filtered export: each entry was proven to be in the signed tree; entries outside the filter are not in the bundle");
  if (report.since !== null) lines.push(`✓ the log only grew since your checkpoint of size ${report.since.treeSize}`);
  return `${lines.join("\n")}\n`;
}

function count(n: number, one: string, many: string): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

export interface ExportOptions {
  out: string | undefined;
  format: "jsonl" | "csv";
  from: string | undefined;
  to: string | undefined;
  agentId: string | undefined;
  type: string | undefined;
}

/** `gatehouse audit export`: streams the bundle (or CSV) to `--out` or standard output. */
export async function exportLog(io: AuditCliIo, audit: Audit, options: ExportOptions): Promise<number> {
  const download = await audit.export({
    format: options.format,
    from: options.from,
    to: options.to,
    agentId: options.agentId,
    type: options.type,
    signal: io.signal,
  });
  let bytes = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of download) {
      bytes += chunk.byteLength;
      yield chunk;
    }
  }
  if (options.out !== undefined) {
    try {
      await pipeline(Readable.from(counted()), createWriteStream(options.out));
    } catch (error) {
      // A cut-off bundle would only fail verification later: leave nothing behind.
      await unlink(options.out).catch(() => undefined);
      throw error;
    }
    const size = download.treeSize === null ? "" : ` at tree size ${download.treeSize}`;
    io.stderr(`Exported the audit log${size} to ${options.out} (${count(bytes, "byte", "bytes")}).\n`);
    if (options.format === "jsonl") io.stderr(`Check it offline: gatehouse verify ${options.out} --key @keys.txt (keys from gatehouse audit keys > keys.txt)\n`);
  } else if (io.stdoutStream !== undefined) {
    await pipeline(Readable.from(counted()), io.stdoutStream, { end: false });
  } else {
    const decoder = new TextDecoder("utf-8");
    for await (const chunk of counted()) io.stdout(decoder.decode(chunk, { stream: true }));
    io.stdout(decoder.decode());
  }
  return EXIT_OK;
}

/** `gatehouse audit checkpoint`: the signed note, to `--out` or standard output, ready for `verify --since`. */
export async function saveCheckpoint(io: AuditCliIo, audit: Audit, options: { out: string | undefined; json: boolean }): Promise<number> {
  const checkpoint = await audit.checkpoint({ signal: io.signal });
  if (options.out === undefined) {
    io.stdout(options.json ? `${JSON.stringify(checkpoint, null, 2)}\n` : checkpoint.note);
    return EXIT_OK;
  }
  await writeFile(options.out, options.json ? `${JSON.stringify(checkpoint, null, 2)}\n` : checkpoint.note);
  io.stderr(`Saved the signed checkpoint of tree size ${checkpoint.treeSize} (root ${checkpoint.rootHash}) to ${options.out}.\n`);
  if (!options.json) io.stderr(`Later, check that the log only grew since: gatehouse verify <bundle.jsonl> --since ${options.out}\n`);
  return EXIT_OK;
}

/** `gatehouse audit keys`: one verifier key per line, the form `--key @file` reads. */
export async function printKeys(io: AuditCliIo, audit: Audit, options: { json: boolean }): Promise<number> {
  const list = await audit.keys({ signal: io.signal });
  io.stdout(options.json ? `${JSON.stringify(list, null, 2)}\n` : list.keys.map((key) => `${key.vkey}\n`).join(""));
  return EXIT_OK;
}

/** `gatehouse audit verify`: the server's own check of its log; 1 when it finds the log broken. */
export async function serverVerify(io: AuditCliIo, audit: Audit, options: { json: boolean }): Promise<number> {
  const result = await audit.verify({ signal: io.signal });
  io.stdout(options.json ? `${JSON.stringify(result, null, 2)}\n` : describeServerCheck(result));
  return result.valid ? EXIT_OK : EXIT_FAILURE;
}

function describeServerCheck(result: AuditVerification): string {
  if (!result.valid) {
    const where = result.firstBrokenSeq === null ? "" : ` at entry seq ${result.firstBrokenSeq}`;
    return `✗ invalid${where}: ${result.problem ?? "unknown problem"} (checked by the server)\n`;
  }
  const verdict = `✓ valid: ${count(result.checkedEntries, "entry", "entries")}, ${count(result.checkedCheckpoints, "checkpoint", "checkpoints")}, tree size ${result.treeSize}, root ${result.rootHash} (checked by the server; to check without trusting it: gatehouse audit export --out log.jsonl && gatehouse verify log.jsonl)\n`;
  return result.unsignedEntries > 0
    ? `${verdict}⚠ not covered by a signature yet: ${count(result.unsignedEntries, "entry", "entries")} appended while the check ran, checked against the log head only\n`
    : verdict;
}

export interface ProofOptions {
  /** An entry id (`aud_…`) or a seq. */
  entry: string;
  treeSize: number | undefined;
  keyArgs: readonly string[];
  json: boolean;
}

/** `gatehouse audit proof <entry>`: the proof and whether it checked out here; 1 when it did not. */
export async function printProof(io: AuditCliIo, audit: Audit, options: ProofOptions): Promise<number> {
  let keys: string[] | undefined;
  try {
    keys = options.keyArgs.length === 0 ? undefined : await readKeyArguments(options.keyArgs, io.readFile);
  } catch (error) {
    if (!(error instanceof FileProblem)) throw error;
    io.stderr(`error: ${error.message}\n`);
    return EXIT_USAGE;
  }
  const which = /^\d+$/.test(options.entry) ? { seq: Number(options.entry) } : { entryId: options.entry };
  const proof = await audit.proof({ ...which, treeSize: options.treeSize, keys, signal: io.signal });
  io.stdout(options.json ? `${JSON.stringify(proof, null, 2)}\n` : describeProof(proof));
  return proof.verified ? EXIT_OK : EXIT_FAILURE;
}

function describeProof(proof: VerifiedInclusionProof): string {
  const keys = proof.keysFrom === "options" ? "keys from --key" : "keys from the server; pin yours with --key";
  const verdict = proof.verified
    ? `✓ verified: entry ${proof.seq} is in the log's signed checkpoint of tree size ${proof.treeSize} (${keys})`
    : `✗ not verified: ${proof.problem ?? "unknown problem"} (${keys})`;
  return [
    `entry ${proof.entryId} (seq ${proof.seq}) in the tree of size ${proof.treeSize}`,
    `leaf hash  ${proof.leafHash}`,
    `root hash  ${proof.rootHash}`,
    `audit path (${count(proof.proof.length, "hash", "hashes")}):`,
    ...proof.proof.map((hash) => `  ${hash}`),
    verdict,
    "",
  ].join("\n");
}
