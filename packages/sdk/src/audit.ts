/**
 * The audit log (`GET /v1/audit…`): listing, signed checkpoints, public keys, proofs checked on this
 * machine, the server's own verification, and the export as a stream. Proofs are checked with
 * RFC 6962 and C2SP signed notes over WebCrypto (`@gatehouse/tlog/portable`, bundled at build
 * time), never by taking the server's word.
 */
import {
  bytesEqual,
  bytesToHex,
  checkpointNoteSize,
  hashBytesFromHex,
  openNoteWeb,
  parseCheckpointText,
  parseVerifierKeyWeb,
  verifyConsistencyWeb,
  verifyInclusionWeb,
  type WebNoteVerifier as NoteVerifier,
} from "@gatehouse/tlog/portable";
import { download } from "./download.ts";
import { GatehouseError } from "./errors.ts";
import { isoTime, query, request, type TransportConfig } from "./request.ts";
import type {
  AuditEventList,
  AuditExport,
  AuditExportOptions,
  AuditVerification,
  Checkpoint,
  CheckpointList,
  ConsistencyProof,
  ConsistencyProofOptions,
  Evidence,
  InclusionProof,
  InclusionProofOptions,
  KeyRotation,
  KeysFrom,
  ListAuditOptions,
  ListCheckpointsOptions,
  LogEvidenceOptions,
  LocalCheck,
  RequestOptions,
  SigningKeyList,
  VerifiedConsistencyProof,
  VerifiedInclusionProof,
  WitnessStatus,
} from "./types.ts";

/** The org's audit log, for any key of the org (an agent's key sees its own agent's entries). */
export interface Audit {
  /** A page of entries, newest first: `{ events, nextCursor }`. */
  list(options?: ListAuditOptions): Promise<AuditEventList>;
  /** A signed checkpoint covering every entry written before the call. Save its `note` to check later that the log only grew. */
  checkpoint(options?: RequestOptions): Promise<Checkpoint>;
  /** A page of the signed checkpoints, largest tree first: `{ checkpoints, nextCursor }`. */
  checkpoints(options?: ListCheckpointsOptions): Promise<CheckpointList>;
  /** The org's checkpoint verifier keys, retired ones included: `{ keys }`. */
  keys(options?: RequestOptions): Promise<SigningKeyList>;
  /**
   * One entry's evidence as a C2SP tlog-proof file (text): the entry, its inclusion proof and the
   * checkpoint with the witnesses' cosignatures. Save it and check it offline with
   * `gatehouse verify <file> --policy <policy>` or `verifyTlogProof` from `@gatehouse/sdk/verify`.
   * With witnesses configured and none of their quorum's checkpoints covering the entry yet: a 409.
   */
  tlogProof(options: { entryId?: string; seq?: number; treeSize?: number; signal?: AbortSignal }): Promise<string>;
  /**
   * The inclusion proof of one entry (by `entryId` or `seq`) in the tree of `treeSize` (default:
   * the whole log now), checked here: the audit path must lead from the entry's leaf hash to the
   * root, and the root must be that of a checkpoint signed by one of `keys` (default: the org's,
   * fetched from the server). Resolves with the proof and `verified`, `problem?`, `keysFrom`;
   * rejects only when the call fails.
   */
  proof(options: InclusionProofOptions): Promise<VerifiedInclusionProof>;
  /**
   * The consistency proof that the tree of size `from` is a prefix of the tree of `to` (default:
   * the whole log now), checked here, with the checkpoint of `to` signed by one of `keys`. Pass
   * `since`, a checkpoint note you saved, instead of `from` to check that the log only grew since
   * that checkpoint: its signature and its root must match too.
   */
  consistency(options: ConsistencyProofOptions): Promise<VerifiedConsistencyProof>;
  /** Asks the server to recompute the whole log from its stored rows (leaves, chain, tree, signatures). */
  verify(options?: RequestOptions): Promise<AuditVerification>;
  /**
   * Downloads the log as a bundle anyone can verify offline (JSON Lines; `format: "csv"` for a
   * spreadsheet). Resolves once the response's headers arrive, with the body as an async iterable
   * of chunks, streamed: pass it to `verifyBundle` or write it to a file as it comes.
   */
  export(options?: AuditExportOptions): Promise<AuditExport>;
}

/** The audit log for an agent key: {@link Audit}, plus the agent's own entries. */
export interface AgentAudit extends Audit {
  /**
   * Adds the agent's own entry to the log (`agent.evidence`): what it actually ran and with what
   * result, as `kind` (e.g. `command.ran`) and `details` (a JSON object of at most 16 KiB, screened by
   * the org's content rules, erasable). Pass `auditEventId` to name the decision it is evidence for.
   * Safe to retry: the same `eventId` answers the entry it wrote.
   *
   * ```ts
   * const decided = await gatehouse.gate("db.migrate", { metadata: { migration: "0042" } });
   * const ran = await runMigration("0042");
   * await gatehouse.audit.log("migration.ran", { rowsAffected: ran.rows, ms: ran.ms }, { auditEventId: decided.auditEventId });
   * ```
   */
  log(kind: string, details?: Record<string, unknown>, options?: LogEvidenceOptions): Promise<Evidence>;
}

/** The audit log for an org admin key: {@link Audit}, plus key rotation. */
export interface AdminAudit extends Audit {
  /**
   * Retires the org's active checkpoint key and makes a new one (owner or admin role); answers the
   * keys (the retired one stays listed, old checkpoints keep verifying with it) and a checkpoint
   * signed with the new key. Update the keys you pinned.
   */
  rotateKey(options?: RequestOptions): Promise<KeyRotation>;
  /** Where the org's witnesses stand (`audit.verify`: owners, admins, auditors): the policy, the latest checkpoint's cosignatures, each witness's last answer. */
  witnesses(options?: RequestOptions): Promise<WitnessStatus>;
}

/** The {@link Audit} calls over `config`. */
export function createAudit(config: TransportConfig): Audit {
  const get = <T>(path: string, signal: AbortSignal | undefined): Promise<T> => request<T>(config, { method: "GET", path, signal });
  const keys = (options: RequestOptions = {}): Promise<SigningKeyList> => get("/v1/audit/keys", options.signal);

  /** The verifiers to check signatures with: the caller's keys (checked before any call), or the org's, fetched when first needed. */
  const trust = async (given: readonly string[] | undefined, signal: AbortSignal | undefined): Promise<{ from: KeysFrom; verifiers: () => Promise<NoteVerifier[]> }> => {
    if (given !== undefined) {
      const parsed = await Promise.all(given.map((vkey) => parseKeyOption(vkey)));
      return { from: "options", verifiers: async () => parsed };
    }
    let fetched: Promise<NoteVerifier[]> | undefined;
    return {
      from: "server",
      // Fetched once per check. A key the server lists but that does not parse verifies nothing; the note's check then says so.
      verifiers: () => (fetched ??= keys({ signal }).then(async (list) => (await Promise.all(list.keys.map((key) => tryParseKey(key.vkey)))).flat())),
    };
  };

  return {
    list: (options = {}) => {
      const { cursor, limit, type, actionType, agentId } = options;
      return get(`/v1/audit${query({ cursor, limit, type, actionType, agentId, from: isoTime(options.from), to: isoTime(options.to) })}`, options.signal);
    },
    checkpoint: (options = {}) => get("/v1/audit/checkpoint", options.signal),
    checkpoints: (options = {}) => get(`/v1/audit/checkpoints${query({ cursor: options.cursor, limit: options.limit })}`, options.signal),
    keys,
    tlogProof: (options) => {
      if (options.entryId === undefined && options.seq === undefined) throw invalidOption("tlogProof needs an entryId or a seq");
      const path = `/v1/audit/proof${query({ entryId: options.entryId, seq: options.seq, treeSize: options.treeSize, format: "tlog-proof" })}`;
      return request<string>(config, { method: "GET", path, headers: { accept: "text/plain" }, text: true, signal: options.signal });
    },

    async proof(options) {
      if (options.entryId === undefined && options.seq === undefined) throw invalidOption("proof needs an entryId or a seq");
      const keysTrust = await trust(options.keys, options.signal);
      const path = `/v1/audit/proof${query({ entryId: options.entryId, seq: options.seq, treeSize: options.treeSize })}`;
      const proof = await get<InclusionProof>(path, options.signal);
      const check = await checkInclusion(proof, options, keysTrust.verifiers);
      return { ...proof, ...check, keysFrom: keysTrust.from };
    },

    async consistency(options) {
      const since = options.since === undefined ? undefined : savedCheckpoint(options.since);
      if (since !== undefined && options.from !== undefined && options.from !== since.size) {
        throw invalidOption(`from (${options.from}) differs from the size of the since checkpoint (${since.size})`);
      }
      const from = since?.size ?? options.from;
      if (from === undefined) throw invalidOption("consistency needs from or since");
      const keysTrust = await trust(options.keys, options.signal);
      const proof = await get<ConsistencyProof>(`/v1/audit/proof${query({ from, to: options.to })}`, options.signal);
      const check = await checkConsistency(proof, { from, to: options.to, since: options.since }, keysTrust.verifiers);
      return { ...proof, ...check, keysFrom: keysTrust.from };
    },

    verify: (options = {}) => request<AuditVerification>(config, { method: "POST", path: "/v1/audit/verify", signal: options.signal }),

    async export(options = {}) {
      const path = `/v1/audit/export${query({
        format: options.format,
        from: isoTime(options.from),
        to: isoTime(options.to),
        agentId: options.agentId,
        type: options.type,
        sinceSize: options.sinceSize,
      })}`;
      const accept = options.format === "csv" ? "text/csv" : "application/x-ndjson";
      const { headers, chunks } = await download(config, { path, accept, signal: options.signal });
      const size = headers.get("x-gatehouse-tree-size");
      return {
        treeSize: size !== null && /^\d+$/.test(size) ? Number(size) : null,
        filename: filenameOf(headers.get("content-disposition")),
        contentType: headers.get("content-type"),
        [Symbol.asyncIterator]: () => chunks[Symbol.asyncIterator](),
      };
    },
  };
}

/** The {@link AgentAudit} calls over `config`. */
export function createAgentAudit(config: TransportConfig): AgentAudit {
  return {
    ...createAudit(config),
    log: (kind, details = {}, options = {}) => {
      const eventId = options.eventId ?? globalThis.crypto.randomUUID();
      return request<Evidence>(config, {
        method: "POST",
        path: "/v1/audit/entries",
        body: { kind, details, eventId, ...(options.auditEventId === undefined ? {} : { auditEventId: options.auditEventId }) },
        headers: { "idempotency-key": eventId },
        signal: options.signal,
      });
    },
  };
}

/** The {@link AdminAudit} calls over `config`. */
export function createAdminAudit(config: TransportConfig): AdminAudit {
  return {
    ...createAudit(config),
    witnesses: (options = {}) => request<WitnessStatus>(config, { method: "GET", path: "/v1/audit/witnesses", signal: options.signal }),
    rotateKey: (options = {}) =>
      request<KeyRotation>(config, {
        method: "POST",
        path: "/v1/admin/audit/keys/rotate",
        headers: { "idempotency-key": globalThis.crypto.randomUUID() },
        signal: options.signal,
      }),
  };
}

type Check = Omit<LocalCheck, "keysFrom">;

const failed = (problem: string): Check => ({ verified: false, problem });

/** Checks an inclusion proof against what was asked, RFC 6962, and the signed checkpoint of its tree size. */
async function checkInclusion(
  proof: InclusionProof,
  asked: { entryId?: string | undefined; seq?: number | undefined; treeSize?: number | undefined; leafHash?: string | undefined },
  verifiers: () => Promise<NoteVerifier[]>,
): Promise<Check> {
  if (asked.entryId !== undefined && proof.entryId !== asked.entryId) return failed(`the server answered for entry ${proof.entryId}, not ${asked.entryId}`);
  if (asked.seq !== undefined && proof.seq !== asked.seq) return failed(`the server answered for seq ${proof.seq}, not ${asked.seq}`);
  if (asked.treeSize !== undefined && proof.treeSize !== asked.treeSize) return failed(`the server answered for tree size ${proof.treeSize}, not ${asked.treeSize}`);
  if (asked.leafHash !== undefined && proof.leafHash.toLowerCase() !== asked.leafHash.toLowerCase()) {
    return failed(`the server's leaf hash for entry ${proof.seq} (${proof.leafHash}) differs from yours (${asked.leafHash})`);
  }
  const hashes = decodeHashes({ leafHash: proof.leafHash, rootHash: proof.rootHash }, proof.proof);
  if (typeof hashes === "string") return failed(hashes);
  const path = await verifyInclusionWeb(proof.seq, proof.treeSize, hashes.leafHash, hashes.path, hashes.rootHash);
  if (!path.ok) return failed(`the proof does not lead from entry ${proof.seq}'s leaf hash to the root of tree size ${proof.treeSize}: ${path.reason}`);
  return checkSignedRoot(proof.checkpoint, proof.treeSize, hashes.rootHash, verifiers);
}

/** Checks a consistency proof against what was asked, RFC 6962, the signed checkpoint of `to`, and the caller's saved checkpoint. */
async function checkConsistency(
  proof: ConsistencyProof,
  asked: { from: number; to?: number | undefined; since?: string | undefined },
  verifiers: () => Promise<NoteVerifier[]>,
): Promise<Check> {
  if (proof.from !== asked.from) return failed(`the server answered from tree size ${proof.from}, not ${asked.from}`);
  if (asked.to !== undefined && proof.to !== asked.to) return failed(`the server answered to tree size ${proof.to}, not ${asked.to}`);
  const hashes = decodeHashes({ fromRootHash: proof.fromRootHash, toRootHash: proof.toRootHash }, proof.proof);
  if (typeof hashes === "string") return failed(hashes);
  const path = await verifyConsistencyWeb(proof.from, proof.to, hashes.path, hashes.fromRootHash, hashes.toRootHash);
  if (!path.ok) return failed(`the proof does not show the tree of size ${proof.from} is a prefix of the tree of size ${proof.to}: ${path.reason}`);
  const signed = await checkSignedRoot(proof.checkpoint, proof.to, hashes.toRootHash, verifiers);
  if (!signed.verified || asked.since === undefined) return signed;
  const saved = await openSigned(asked.since, await verifiers(), "your saved checkpoint");
  if (typeof saved === "string") return failed(saved);
  if (saved.size !== proof.from) return failed(`your saved checkpoint has tree size ${saved.size}, but the proof starts at ${proof.from}`);
  if (!bytesEqual(saved.rootHash, hashes.fromRootHash)) {
    return failed(
      `the log's tree of size ${saved.size} has root ${proof.fromRootHash}, but your saved checkpoint says ${bytesToHex(saved.rootHash)}: the log was rewritten, not only appended to`,
    );
  }
  return { verified: true };
}

/** The root must be that of a checkpoint of `treeSize` signed by one of the keys. */
async function checkSignedRoot(checkpoint: Checkpoint | null, treeSize: number, rootHash: Uint8Array, verifiers: () => Promise<NoteVerifier[]>): Promise<Check> {
  if (checkpoint === null) return failed(`no signed checkpoint of tree size ${treeSize} came with the proof, so its root is only the server's word`);
  const body = await openSigned(checkpoint.note, await verifiers(), "the checkpoint");
  if (typeof body === "string") return failed(body);
  if (body.size !== treeSize) return failed(`the signed checkpoint is of tree size ${body.size}, not ${treeSize}`);
  if (!bytesEqual(body.rootHash, rootHash))
    return failed(`the signed checkpoint of tree size ${treeSize} has root ${bytesToHex(body.rootHash)}, not the proof's ${bytesToHex(rootHash)}`);
  return { verified: true };
}

/** The size and root of a signed checkpoint note whose signature verifies, or why not. */
async function openSigned(note: string, verifiers: NoteVerifier[], what: string): Promise<{ size: number; rootHash: Uint8Array } | string> {
  try {
    const body = parseCheckpointText((await openNoteWeb(note, verifiers)).text);
    return { size: body.size, rootHash: body.rootHash };
  } catch (error) {
    return `${what}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** The named hashes and the proof's path as bytes, or what in the answer is not a hash. */
function decodeHashes<K extends string>(named: Record<K, string>, path: unknown): (Record<K, Uint8Array> & { path: Uint8Array[] }) | string {
  try {
    const decoded = {} as Record<K, Uint8Array>;
    for (const [name, hex] of Object.entries(named) as Array<[K, string]>) decoded[name] = hashBytesFromHex(String(hex), name);
    if (!Array.isArray(path)) return "the server's proof is not a list of hashes";
    return { ...decoded, path: path.map((hex, i) => hashBytesFromHex(String(hex), `proof[${i}]`)) };
  } catch (error) {
    return `the server's answer is malformed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function savedCheckpoint(note: string): { size: number } {
  try {
    return { size: checkpointNoteSize(note) };
  } catch (error) {
    throw invalidOption(`since is not a signed checkpoint note: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function parseKeyOption(vkey: string): Promise<NoteVerifier> {
  try {
    return await parseVerifierKeyWeb(vkey);
  } catch (error) {
    throw invalidOption(`keys: ${JSON.stringify(vkey.slice(0, 80))} is not a verifier key: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function tryParseKey(vkey: string): Promise<NoteVerifier[]> {
  try {
    return [await parseVerifierKeyWeb(vkey)];
  } catch {
    return [];
  }
}

function invalidOption(message: string): GatehouseError {
  return new GatehouseError(`Invalid option: ${message}`, { code: "INVALID_OPTION" });
}

/** The `filename` of a `content-disposition` header. */
function filenameOf(disposition: string | null): string | null {
  const match = disposition === null ? null : /filename="([^"]*)"/.exec(disposition);
  return match?.[1] ?? null;
}
