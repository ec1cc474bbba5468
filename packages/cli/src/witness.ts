/**
 * A C2SP tlog-witness (https://c2sp.org/tlog-witness): it cosigns a log's checkpoint only when a
 * consistency proof shows the checkpoint extends the last one it cosigned for that log, so two
 * auditors shown different histories (a split view, a fork) cannot both hold cosigned checkpoints.
 * `gatehouse witness serve` runs it over HTTP (cli-witness.ts); this file is the witness itself:
 * its key, its record of each log (a JSON file written atomically before any cosignature leaves),
 * and the protocol's one write call, add-checkpoint, with its status codes.
 */
import { randomUUID } from "node:crypto";
import { appendFile, link, mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
import http from "node:http";
import { join } from "node:path";
import {
  cosign,
  cosignerFromPkcs8,
  EMPTY_ROOT,
  generateCosigner,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
  sha256,
  toHex,
  verifyConsistency,
  type Cosigner,
  type NoteVerifier,
} from "@gatehouse/tlog";

/** The largest add-checkpoint body accepted: 63 proof lines and a checkpoint with its signatures fit in far less. */
export const WITNESS_MAX_BODY_BYTES = 64 * 1024;
const MAX_PROOF_LINES = 63;
/** The most fork evidence kept: past it, forks are still refused, not recorded. */
const FORKS_MAX_BYTES = 16 * 1024 * 1024;

export interface WitnessKeyFile {
  name: string;
  /** PKCS#8 Ed25519 private key, base64. */
  privateKey: string;
}

interface LogRecord {
  size: number;
  rootHash: string;
  /** The latest checkpoint cosigned, with the log's signature and this witness's cosignature. */
  checkpoint: string;
  cosignedAt: string;
}

export interface WitnessAnswer {
  status: number;
  contentType: string;
  body: string;
}

const text = (status: number, body: string): WitnessAnswer => ({ status, contentType: "text/plain; charset=utf-8", body: body.endsWith("\n") ? body : `${body}\n` });

/** Creates a witness directory: its key (mode 0600) and an empty record. Refuses a directory that already has a key. */
export async function initWitness(dir: string, name: string): Promise<{ vkey: string }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { vkey, privateKeyPkcs8 } = generateCosigner(name);
  const file: WitnessKeyFile = { name, privateKey: privateKeyPkcs8.toString("base64") };
  const handle = await open(join(dir, "witness.key"), "wx", 0o600).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "EEXIST")
      throw new Error(`${join(dir, "witness.key")} already exists: this directory is a witness already (gatehouse witness key --dir ${dir} prints its key)`);
    throw error;
  });
  try {
    await handle.writeFile(`${JSON.stringify(file)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { vkey };
}

export async function loadWitnessKey(dir: string): Promise<{ cosigner: Cosigner; vkey: string }> {
  let file: WitnessKeyFile;
  try {
    file = JSON.parse(await readFile(join(dir, "witness.key"), "utf8")) as WitnessKeyFile;
  } catch (error) {
    throw new Error(`cannot read the witness key in ${dir} (${(error as Error).message}); create one with gatehouse witness init --dir ${dir} --name <name>`);
  }
  return cosignerFromPkcs8(file.name, Buffer.from(file.privateKey, "base64"));
}

/** The witness: the logs it trusts (by their verifier keys) and its record of each, kept in `dir`. */
export class Witness {
  private records = new Map<string, LogRecord>();
  /**
   * add-checkpoint checks a log's record and writes the whole record file as one step: calls run one after
   * another (for every log: the file holds them all, so two logs' updates must not overlap either).
   */
  private queue: Promise<unknown> = Promise.resolve();
  /** Forks already kept as evidence (their checkpoint text), so a replayed fork is not written twice. */
  private readonly keptForks = new Set<string>();

  private constructor(
    private readonly dir: string,
    readonly cosigner: Cosigner,
    readonly vkey: string,
    private readonly logs: NoteVerifier[],
    private readonly now: () => number,
    private readonly report: (line: string) => void,
  ) {}

  static async open(options: { dir: string; logs: readonly string[]; now?: () => number; report?: (line: string) => void }): Promise<Witness> {
    const { cosigner, vkey } = await loadWitnessKey(options.dir);
    const logs = options.logs.map((k) => parseVerifierKey(k));
    const witness = new Witness(options.dir, cosigner, vkey, logs, options.now ?? Date.now, options.report ?? (() => {}));
    try {
      const stored = JSON.parse(await readFile(join(options.dir, "state.json"), "utf8")) as Record<string, LogRecord>;
      witness.records = new Map(Object.entries(stored));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw new Error(`cannot read ${join(options.dir, "state.json")}: ${(error as Error).message}`);
    }
    return witness;
  }

  /** The origins this witness cosigns for. */
  origins(): string[] {
    return [...new Set(this.logs.map((l) => l.name))];
  }

  /** The latest cosigned checkpoint of the log whose origin hashes to `originHashHex`, or null. */
  latest(originHashHex: string): string | null {
    for (const [origin, record] of this.records) if (toHex(sha256(Buffer.from(origin, "utf8"))) === originHashHex) return record.checkpoint;
    return null;
  }

  /** POST add-checkpoint: the body is "old <size>", proof lines, a blank line, then the checkpoint. */
  async addCheckpoint(body: string): Promise<WitnessAnswer> {
    const split = body.indexOf("\n\n");
    if (split < 0) return text(400, "the body is: old <size>, the consistency proof's lines, a blank line, then the checkpoint");
    const head = body.slice(0, split).split("\n");
    const note = body.slice(split + 2);
    const oldMatch = /^old (0|[1-9][0-9]{0,15})$/.exec(head[0] ?? "");
    if (!oldMatch) return text(400, "the first line is old <tree size in decimal, no leading zeroes>");
    const oldSize = Number(oldMatch[1]);
    const proofLines = head.slice(1);
    if (proofLines.length > MAX_PROOF_LINES) return text(400, `at most ${MAX_PROOF_LINES} consistency proof lines`);
    const proof: Buffer[] = [];
    for (const line of proofLines) {
      const hash = Buffer.from(line, "base64");
      if (hash.length !== 32 || hash.toString("base64") !== line) return text(400, "each consistency proof line is one SHA-256 hash in base64");
      proof.push(hash);
    }
    // The origin first: an unknown log is a 404 whatever its signatures.
    const firstLine = note.slice(0, note.indexOf("\n"));
    const keys = this.logs.filter((k) => k.name === firstLine);
    if (keys.length === 0) return text(404, `this witness does not witness the log ${JSON.stringify(firstLine.slice(0, 200))}`);
    const noteText = note.slice(0, note.lastIndexOf("\n\n") + 1);
    let checkpoint: ReturnType<typeof parseCheckpoint>;
    try {
      checkpoint = parseCheckpoint(noteText);
    } catch (error) {
      return text(400, `the checkpoint is malformed: ${(error as Error).message}`);
    }
    let logLines: string;
    try {
      const opened = openNote(note, keys);
      // Only the log's own signature lines that verified are kept and served: a submitter's other lines are not ours to repeat.
      const signed = new Set(opened.verified.map((v) => `${v.name} ${v.keyHash}`));
      logLines = note
        .slice(noteText.length + 1)
        .split("\n")
        .filter((line) => {
          const match = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/.exec(line);
          return match !== null && signed.has(`${match[1]} ${Buffer.from(match[2] as string, "base64").readUInt32BE(0)}`);
        })
        .map((line) => `${line}\n`)
        .join("");
    } catch (error) {
      return text(403, `the checkpoint is not validly signed by the log's key: ${(error as Error).message}`);
    }
    if (checkpoint.origin !== firstLine) return text(400, "the checkpoint is malformed");
    if (oldSize > checkpoint.size) return text(400, `old size ${oldSize} is larger than the checkpoint's ${checkpoint.size}`);
    const origin = checkpoint.origin;
    const decide = () => this.decide(origin, oldSize, proof, `${noteText}\n${logLines}`, checkpoint);
    const run = this.queue.then(decide, decide);
    this.queue = run.catch(() => {});
    return run;
  }

  private async decide(origin: string, oldSize: number, proof: Buffer[], note: string, checkpoint: ReturnType<typeof parseCheckpoint>): Promise<WitnessAnswer> {
    const record = this.records.get(origin);
    const knownSize = record?.size ?? 0;
    if (oldSize !== knownSize) return { status: 409, contentType: "text/x.tlog.size", body: `${knownSize}\n` };
    if (checkpoint.size === 0 && !checkpoint.rootHash.equals(EMPTY_ROOT)) return text(422, "a checkpoint of size 0 has the empty tree's root");
    if (oldSize === 0 && proof.length > 0) return text(422, "from old size 0 the consistency proof is empty");
    if (oldSize === checkpoint.size && proof.length > 0) return text(422, "between two checkpoints of the same size the consistency proof is empty");
    const knownRoot = record ? Buffer.from(record.rootHash, "base64") : EMPTY_ROOT;
    if (record && oldSize > 0 && oldSize === checkpoint.size && !knownRoot.equals(checkpoint.rootHash)) {
      // Two checkpoints of one size, both signed by the log, with different roots: proof of a fork, kept once.
      const reason = `this checkpoint of ${origin} at size ${checkpoint.size} has root ${checkpoint.rootHash.toString("base64")}, but the one I cosigned at that size has root ${record.rootHash}: the log forked`;
      if (!this.keptForks.has(note)) {
        this.keptForks.add(note);
        await this.keepEvidence({ origin, oldSize, submitted: note, cosigned: record.checkpoint, reason });
      }
      this.report(`refused a fork of ${origin}: ${reason}`);
      return text(422, `refused: ${reason}. I keep the evidence (forks.jsonl) and will cosign nothing of this log that does not extend what I cosigned.`);
    }
    if (record && oldSize > 0 && oldSize < checkpoint.size) {
      const check = verifyConsistency(oldSize, checkpoint.size, proof, knownRoot, checkpoint.rootHash);
      if (!check.ok) {
        // A proof that does not verify is no evidence by itself (anyone can send junk with a real checkpoint): refused, not kept.
        const reason = `the consistency proof from size ${oldSize} (the root I cosigned, ${record.rootHash}) to ${checkpoint.size} does not verify (${check.reason}): this checkpoint is not shown to extend the log I witnessed (a fork, a rewritten history, or a wrong proof)`;
        return text(422, `refused: ${reason}. I cosign nothing of this log that does not extend what I cosigned.`);
      }
    }
    // Never earlier than the last cosignature of this log, even if the clock went back.
    const last = record ? Math.floor(Date.parse(record.cosignedAt) / 1000) : 0;
    const timestamp = Math.max(Math.floor(this.now() / 1000), Number.isFinite(last) ? last : 0);
    const line = cosign(note.slice(0, note.lastIndexOf("\n\n") + 1), this.cosigner, timestamp);
    const next = new Map(this.records);
    next.set(origin, {
      size: checkpoint.size,
      rootHash: checkpoint.rootHash.toString("base64"),
      checkpoint: `${note}${line}`,
      cosignedAt: new Date(timestamp * 1000).toISOString(),
    });
    await this.persist(next);
    this.records = next;
    return text(200, line);
  }

  /**
   * Writes the record to a new file, syncs it, renames it over the old one and syncs the directory: a crash
   * leaves one or the other, never half, and a cosignature never leaves before its record is on disk.
   */
  private async persist(records: Map<string, LogRecord>): Promise<void> {
    const path = join(this.dir, "state.json");
    const temp = `${path}.${randomUUID()}.tmp`;
    try {
      const handle = await open(temp, "wx", 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(Object.fromEntries(records), null, 2)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw error;
    }
    const directory = await open(this.dir, "r");
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  }

  /** Appends a fork's evidence, up to FORKS_MAX_BYTES of them (a log that forks that often has been caught already). */
  private async keepEvidence(evidence: Record<string, unknown>): Promise<void> {
    const path = join(this.dir, "forks.jsonl");
    const size = await stat(path).then(
      (s) => s.size,
      () => 0,
    );
    if (size > FORKS_MAX_BYTES) return;
    await appendFile(path, `${JSON.stringify({ at: new Date(this.now()).toISOString(), ...evidence })}\n`, { mode: 0o600 });
  }
}

/** Serves a witness over HTTP: POST /add-checkpoint and GET /<origin hash>/checkpoint. */
export function witnessServer(witness: Witness): http.Server {
  const server = http.createServer((request, response) => {
    const answer = (a: WitnessAnswer) => {
      response.writeHead(a.status, { "content-type": a.contentType, "content-length": Buffer.byteLength(a.body), "cache-control": "no-store" });
      response.end(a.body);
    };
    const path = (request.url ?? "/").split("?")[0] as string;
    if (request.method === "GET") {
      const match = /^\/([0-9a-f]{64})\/checkpoint$/.exec(path);
      if (!match) return answer(text(404, "not found"));
      const checkpoint = witness.latest(match[1] as string);
      return answer(checkpoint ? { status: 200, contentType: "text/plain; charset=utf-8", body: checkpoint } : text(404, "this witness has cosigned no checkpoint of that log"));
    }
    if (request.method !== "POST" || path !== "/add-checkpoint") return answer(text(404, "not found: POST /add-checkpoint, GET /<origin hash>/checkpoint"));
    const declared = Number(request.headers["content-length"] ?? 0);
    if (declared > WITNESS_MAX_BODY_BYTES) {
      answer(text(413, `a request body is at most ${WITNESS_MAX_BODY_BYTES} bytes`));
      request.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > WITNESS_MAX_BODY_BYTES) {
        if (!refused) answer(text(413, `a request body is at most ${WITNESS_MAX_BODY_BYTES} bytes`));
        refused = true;
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => {
      if (refused) return;
      witness
        .addCheckpoint(Buffer.concat(chunks).toString("utf8"))
        .then(answer, (error: unknown) => answer(text(500, `the witness could not record the checkpoint: ${(error as Error).message}`)));
    });
  });
  server.requestTimeout = 15_000;
  server.headersTimeout = 10_000;
  return server;
}

/** Takes `dir`'s lock: one serving process per witness directory, or two could each cosign a different size. */
export async function lockWitnessDir(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, "serve.lock");
  for (let attempt = 0; attempt < 2; attempt += 1) {
    // The pid is written first and the lock linked into place whole: no other process ever reads an empty lock.
    const temp = `${path}.${process.pid}.${randomUUID()}`;
    await open(temp, "wx", 0o600).then(async (handle) => {
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
    });
    try {
      await link(temp, path);
      return async () => {
        await unlink(path).catch(() => {});
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = Number((await readFile(path, "utf8").catch(() => "")).trim());
      if (Number.isSafeInteger(pid) && pid > 0 && pidAlive(pid)) throw new Error(`another process (pid ${pid}) serves this witness directory`);
      // A lock left by a process that is gone.
      await unlink(path).catch(() => {});
    } finally {
      await unlink(temp).catch(() => {});
    }
  }
  throw new Error(`cannot take the lock ${path}`);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
