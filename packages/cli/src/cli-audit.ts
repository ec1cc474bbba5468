/**
 * The audit commands of the `gatehouse` CLI: `verify <bundle>` (offline: no key, no network) and
 * `audit export|checkpoint|keys|verify|proof` (and, from cli-audit-admin.ts, `audit rotate-key|erase`);
 * the world (output, files, the client) comes in through the CLI's I/O adapter.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { unlink, writeFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Audit, AuditVerification, VerifiedInclusionProof } from "@gatehouse/sdk";
import {
  checkpointNoteSize,
  describeUnsigned,
  parseVerifierKey,
  parseWitnessPolicy,
  TLOG_PROOF_HEADER,
  verifyBundleParallel,
  verifyTlogProof,
  type BundleReport,
  type TlogProofReport,
  type WitnessPolicy,
} from "@gatehouse/sdk/verify";
import { eraseCommand, rotateKeyCommand } from "./cli-audit-admin.ts";
import { anyKeyConnectionOptions, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, noMore, UsageError } from "./cli-common.ts";
import { defineCommand, type CliIo, type CommandGroup } from "./command.ts";

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
export async function readKeyArguments(args: readonly string[], readFile: CliIo["readFile"]): Promise<string[]> {
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
async function readSavedCheckpoint(path: string, readFile: CliIo["readFile"]): Promise<string> {
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
  /** `--policy`: a C2SP tlog-policy file whose quorum of witnesses must have cosigned. */
  policyFile?: string | undefined;
  json: boolean;
  progress: boolean;
}

/** The `--policy` file, parsed: a mistake in it is a usage error naming its line. */
async function readPolicy(path: string, readFile: CliIo["readFile"]): Promise<WitnessPolicy> {
  const text = await reading(`--policy file ${path}`, () => readFile(path));
  try {
    return parseWitnessPolicy(text);
  } catch (error) {
    throw new UsageError(`--policy ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Whether the file is a C2SP tlog-proof (its first line says so) rather than a bundle. */
async function isTlogProof(path: string): Promise<boolean> {
  for await (const chunk of fileBytes(path)) return chunk.subarray(0, TLOG_PROOF_HEADER.length + 1).toString("utf8") === `${TLOG_PROOF_HEADER}\n`;
  return false;
}

/** `gatehouse verify <file.tlog-proof>`: one entry's proof, on its own. */
async function verifyProofFile(io: CliIo, options: VerifyFileOptions, keys: string[] | undefined, policy: WitnessPolicy | undefined): Promise<number> {
  const text = await reading(options.file, () => io.readFile(options.file));
  const report = verifyTlogProof(text, { ...(keys === undefined ? {} : { keys }), ...(policy === undefined ? {} : { policy }) });
  io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : describeProofReport(report));
  return report.valid ? EXIT_OK : EXIT_FAILURE;
}

export function describeProofReport(report: TlogProofReport): string {
  if (!report.valid) return `✗ invalid proof: ${report.problem ?? "unknown problem"}\n`;
  const entry = report.entry as { id?: string; type?: string; createdAt?: string } | null;
  const lines = [
    `✓ valid: entry ${report.index}${entry?.id ? ` (${entry.id}, ${entry.type ?? "?"}, ${entry.createdAt ?? "?"})` : ""} is in ${report.origin} at tree size ${report.treeSize}, root ${report.rootHash}`,
  ];
  if (report.quorum !== null) lines.push(`✓ cosigned by ${report.cosignedBy.join(", ") || "no witness"}: the policy's quorum (${report.quorum}) is met`);
  return `${lines.join("\n")}\n`;
}

/** `gatehouse verify <bundle>`: 0 valid, 1 invalid, 2 when a file cannot be read. */
export async function verifyFile(io: CliIo, options: VerifyFileOptions): Promise<number> {
  let report: BundleReport;
  try {
    const keys = options.keyArgs.length === 0 ? undefined : await readKeyArguments(options.keyArgs, io.readFile);
    const policy = options.policyFile === undefined ? undefined : await readPolicy(options.policyFile, io.readFile);
    if (await isTlogProof(options.file)) {
      if (keys === undefined && (policy === undefined || policy.logs.length === 0)) {
        throw new UsageError("a proof file is checked against the log's key: give --key, or a --policy with a log line");
      }
      return await verifyProofFile(io, options, keys, policy);
    }
    const since = options.sinceFile === undefined ? undefined : await readSavedCheckpoint(options.sinceFile, io.readFile);
    const progress = options.progress || io.stderrIsTTY;
    // Parsing and leaf hashing run on worker threads; the verdict is the sequential verifier's.
    report = await verifyBundleParallel(fileBytes(options.file), {
      ...(keys === undefined ? {} : { keys }),
      ...(since === undefined ? {} : { since }),
      allowUnsigned: options.allowUnsigned,
      ...(policy === undefined ? {} : { policy }),
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
  if (report.startSize > 0) lines.push(`  ${startsAt(report.startSize)}`);
  if (!report.complete && report.checkedEntries > 0)
    lines.push("  a filtered export: each entry was proven to be in the signed tree; entries outside the filter are not in the bundle");
  if (report.since !== null) lines.push(`✓ the log only grew since your checkpoint of size ${report.since.treeSize}`);
  if (report.witnesses !== null) lines.push(`✓ cosigned by ${report.witnesses.cosignedBy.join(", ") || "no witness"}: the policy's quorum (${report.witnesses.quorum}) is met`);
  return `${lines.join("\n")}\n`;
}

/** A log whose oldest months were dropped: where its check began. */
function startsAt(size: number): string {
  return `the log starts at seq ${size.toLocaleString("en-US")}: the entries before it were dropped under the org's retention (audit.pruned entries record each drop)`;
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
export async function exportLog(io: CliIo, audit: Audit, options: ExportOptions): Promise<number> {
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
export async function saveCheckpoint(io: CliIo, audit: Audit, options: { out: string | undefined; json: boolean }): Promise<number> {
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
export async function printKeys(io: CliIo, audit: Audit, options: { json: boolean }): Promise<number> {
  const list = await audit.keys({ signal: io.signal });
  io.stdout(options.json ? `${JSON.stringify(list, null, 2)}\n` : list.keys.map((key) => `${key.vkey}\n`).join(""));
  return EXIT_OK;
}

/** `gatehouse audit verify`: the server's own check of its log; 1 when it finds the log broken. */
export async function serverVerify(io: CliIo, audit: Audit, options: { json: boolean }): Promise<number> {
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
  const start = result.startSize > 0 ? `  ${startsAt(result.startSize)}\n` : "";
  return result.unsignedEntries > 0
    ? `${verdict}${start}⚠ not covered by a signature yet: ${count(result.unsignedEntries, "entry", "entries")} appended while the check ran, checked against the log head only\n`
    : `${verdict}${start}`;
}

export interface ProofOptions {
  /** An entry id (`aud_…`) or a seq. */
  entry: string;
  treeSize: number | undefined;
  keyArgs: readonly string[];
  json: boolean;
}

/** `gatehouse audit proof <entry>`: the proof and whether it checked out here; 1 when it did not. */
export async function printProof(io: CliIo, audit: Audit, options: ProofOptions): Promise<number> {
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

const VERIFY_HELP = `Usage: gatehouse verify <bundle.jsonl> [--key <vkey>|--key @<file>]... [--policy <file>] [--since <file>] [--allow-unsigned] [--json] [--progress]
       gatehouse verify <entry.tlog-proof> [--key <vkey>|--key @<file>]... [--policy <file>] [--json]

Checks an audit bundle (from gatehouse audit export) on this machine, with no API key and no
network: each entry's leaf hash against its canonical text, that entries are in order with no
gaps, the Merkle tree against every signed checkpoint, and every checkpoint's signature. The file
is read as a stream, so a log of any size is checked in constant memory.

Options:
  --key <vkey>       Trust this checkpoint verifier key (<name>+<hash>+<key>); repeat for several
  --key @<file>      Trust the keys in <file>, one per line (what gatehouse audit keys prints)
  --since <file>     A checkpoint you saved earlier (gatehouse audit checkpoint --out <file>):
                     check that the log only grew since then and was not rewritten
  --policy <file>    A C2SP tlog-policy: its log lines are trusted keys, and the bundle's last
                     checkpoint must carry cosignatures from its quorum of witnesses
  --allow-unsigned   Accept entries after the last signed checkpoint (they fail the check
                     otherwise); the output still counts them as not covered by a signature
  --json             Print the whole report as JSON
  --progress         Report progress on stderr every ${PROGRESS_EVERY.toLocaleString("en-US")} entries (default: only on a terminal)

Without --key, the signatures are checked with the keys inside the bundle, and a warning says so:
whoever could alter the bundle could have replaced those keys too. Compare them with keys you got
another way (gatehouse audit keys, your own records), and pass those with --key.

Only what a signed checkpoint covers is valid. Entries after the last one (a log can grow between
its checkpoints, and anyone who can edit the file can append lines) make the check fail, with their
count and seqs; with --allow-unsigned the signed part is checked and they are listed as unsigned.

A file that starts with c2sp.org/tlog-proof@v1 (gatehouse audit proof --format tlog-proof) is one
entry's proof: the entry, its inclusion proof and the cosigned checkpoint, checked on its own.

Output:  ✓ valid: N entries, M checkpoints, tree size S, root R (keys from …)
    or:  ✗ invalid at line L (entry seq K): what is wrong
    and with --allow-unsigned, when the bundle goes past its last checkpoint:
         ✓ valid up to tree size S: … (keys from …)
         ⚠ not covered by a signature: U entries (seq S–T) …

Exit status: 0 valid, 1 invalid, 2 the command line was wrong or a file could not be read.
`;

const AUDIT_CONNECTION_OPTIONS = anyKeyConnectionOptions("the org's whole log", "agent's entries");

const AUDIT_EXPORT_HELP = `Usage: gatehouse audit export [--out <file>] [--format jsonl|csv] [--from <time>] [--to <time>] [--agent <id>] [--type <type>]

Downloads the audit log, streamed (any size, constant memory), to <file> or standard output.
jsonl (the default) is a bundle anyone can check offline with gatehouse verify: the verifier keys,
every entry's canonical text and leaf hash, and the signed checkpoints. With a filter, each entry
carries its inclusion proof instead. csv is the same entries for a spreadsheet, unsigned.

Options:
  --out <file>       Write to <file> (removed again if the download breaks). Default: stdout
  --format <format>  jsonl (default) or csv
  --from <time>      Only entries written at or after <time> (ISO 8601, e.g. 2025-06-01T00:00:00Z)
  --to <time>        Only entries written at or before <time>
  --agent <id>       Only this agent's entries
  --type <type>      Only entries of this type, e.g. action.denied

${AUDIT_CONNECTION_OPTIONS}
`;

const AUDIT_CHECKPOINT_HELP = `Usage: gatehouse audit checkpoint [--out <file>] [--json]

Gets a checkpoint of the audit log as it is now, signed by the org's key, and prints the signed
note (or saves it to <file>). Keep it: later, gatehouse verify <bundle> --since <file> checks that
the log only grew since then, and no entry before it was changed or removed.

Options:
  --out <file>       Save the note to <file>. Default: stdout
  --json             The whole checkpoint as JSON ({ treeSize, rootHash, note, keyId, createdAt })

${AUDIT_CONNECTION_OPTIONS}
`;

const AUDIT_KEYS_HELP = `Usage: gatehouse audit keys [--json]

Prints the org's checkpoint verifier keys, one per line, retired ones included (old checkpoints
verify with them). Save them where the log's keepers cannot change them, and check bundles with
them: gatehouse audit keys > keys.txt, then gatehouse verify <bundle> --key @keys.txt.

Options:
  --json             The keys as JSON ({ keys: [{ id, vkey, status, createdAt, retiredAt }] })

${AUDIT_CONNECTION_OPTIONS}
`;

const AUDIT_VERIFY_HELP = `Usage: gatehouse audit verify [--json]

Asks the server to recompute the org's audit log from its stored rows: every leaf hash, the hash
chain, the Merkle tree against every signed checkpoint, and the signatures. This trusts the
server's code; to check without trusting it, export the log and run gatehouse verify.

Options:
  --json             The server's answer as JSON

${AUDIT_CONNECTION_OPTIONS}

Exit status: 0 valid, 1 invalid or the call failed, 2 the command line was wrong.
`;

const AUDIT_PROOF_HELP = `Usage: gatehouse audit proof <entry> [--tree-size <n>] [--key <vkey>|--key @<file>]... [--json]

Gets the inclusion proof of one entry (its id, aud_…, or its seq) and checks it on this machine:
the audit path must lead from the entry's leaf hash to the tree's root, and the root must be that
of a checkpoint signed by one of the keys (default: the org's, fetched from the server).

Options:
  --tree-size <n>    Prove it in the tree of size <n>. Default: the whole log now
  --key <vkey>       Check the checkpoint with this key instead of the server's; repeatable
  --key @<file>      ... or with the keys in <file>, one per line
  --json             The proof and the check as JSON

${AUDIT_CONNECTION_OPTIONS}

Exit status: 0 verified, 1 not verified or the call failed, 2 the command line was wrong.
`;

/** A time option as ISO 8601: a date or a date and time the server accepts; anything else is a usage mistake. */
function timeOption(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) throw new UsageError(`${name} must be an ISO 8601 time, e.g. 2025-06-01T00:00:00Z, not "${value}"`);
  return new Date(ms).toISOString();
}

const verify = defineCommand({
  name: "",
  synopsis: "<bundle.jsonl>",
  summary: "Check an exported audit log offline: no key, no network",
  options: {
    key: { type: "string", multiple: true },
    policy: { type: "string" },
    since: { type: "string" },
    "allow-unsigned": { type: "boolean" },
    json: { type: "boolean" },
    progress: { type: "boolean" },
  },
  connection: "none",
  help: VERIFY_HELP,
  run(io, args, options) {
    const [file, ...extra] = args;
    if (file === undefined) throw new UsageError("verify needs a bundle file: gatehouse verify <bundle.jsonl>");
    noMore(extra);
    return verifyFile(io, {
      file,
      keyArgs: options.key,
      sinceFile: options.since,
      policyFile: options.policy,
      allowUnsigned: options["allow-unsigned"],
      json: options.json,
      progress: options.progress,
    });
  },
});

const exportCommand = defineCommand({
  name: "export",
  summary: "Download the audit log as a bundle to verify offline (or as CSV)",
  options: { out: { type: "string" }, format: { type: "string" }, from: { type: "string" }, to: { type: "string" }, agent: { type: "string" }, type: { type: "string" } },
  connection: "any",
  help: AUDIT_EXPORT_HELP,
  run(io, args, options) {
    noMore(args);
    const format = options.format ?? "jsonl";
    if (format !== "jsonl" && format !== "csv") throw new UsageError(`--format must be jsonl or csv, not "${format}"`);
    const exportOptions = {
      out: options.out,
      format,
      from: timeOption("--from", options.from),
      to: timeOption("--to", options.to),
      agentId: options.agent,
      type: options.type,
    } as const;
    return exportLog(io, io.client().audit, exportOptions);
  },
});

const checkpoint = defineCommand({
  name: "checkpoint",
  summary: "Save a signed checkpoint, to check later that the log only grew",
  options: { out: { type: "string" }, json: { type: "boolean" } },
  connection: "any",
  help: AUDIT_CHECKPOINT_HELP,
  run(io, args, options) {
    noMore(args);
    return saveCheckpoint(io, io.client().audit, { out: options.out, json: options.json });
  },
});

const keys = defineCommand({
  name: "keys",
  summary: "Print the org's checkpoint verifier keys",
  options: { json: { type: "boolean" } },
  connection: "any",
  help: AUDIT_KEYS_HELP,
  run(io, args, options) {
    noMore(args);
    return printKeys(io, io.client().audit, { json: options.json });
  },
});

const serverCheck = defineCommand({
  name: "verify",
  summary: "Ask the server to recompute and check its audit log",
  options: { json: { type: "boolean" } },
  connection: "any",
  help: AUDIT_VERIFY_HELP,
  run(io, args, options) {
    noMore(args);
    return serverVerify(io, io.client().audit, { json: options.json });
  },
});

const proof = defineCommand({
  name: "proof",
  synopsis: "<entry>",
  summary: "Print an entry's inclusion proof, checked on this machine",
  options: { "tree-size": { type: "string" }, key: { type: "string", multiple: true }, json: { type: "boolean" } },
  connection: "any",
  help: AUDIT_PROOF_HELP,
  run(io, args, options) {
    const [entry, ...extra] = args;
    if (entry === undefined) throw new UsageError("audit proof needs an entry: gatehouse audit proof <aud_…|seq>");
    noMore(extra);
    const sizeText = options["tree-size"];
    const treeSize = sizeText === undefined ? undefined : Number(sizeText);
    if (treeSize !== undefined && (!Number.isSafeInteger(treeSize) || treeSize < 1)) throw new UsageError(`--tree-size must be a whole number ≥ 1, not "${sizeText}"`);
    return printProof(io, io.client().audit, { entry, treeSize, keyArgs: options.key, json: options.json });
  },
});

export const verifyGroup: CommandGroup = { name: "verify", commands: [verify] };

export const auditGroup: CommandGroup = {
  name: "audit",
  commands: [exportCommand, checkpoint, keys, serverCheck, proof, rotateKeyCommand, eraseCommand],
  notes: `Any key of the org works (an agent's key sees its own agent's entries), but rotate-key (owners,
admins) and erase (owners) take an org admin key. To check the log without trusting the server:
gatehouse verify (offline).`,
};
