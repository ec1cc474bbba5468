import { exportQuerySchema } from "@gatehouse/contracts";
import { bundleFieldsOf, openEntry, validationError, zodIssues, type StoredFields } from "@gatehouse/core";
import { consistencyProof, inclusionProof, plannedReads, sourceOf, toHex, type NodeSource } from "@gatehouse/tlog";
import type { Ctx } from "../actors/context";
import { requirePermissionUnlessAgent } from "../actors/require-permission";
import { db } from "../infra/client";
import { fairShare } from "../infra/fair-share";
import { checkpointAuditLog } from "./checkpoint-audit-log";
import { droppedBefore } from "./get-audit-proof";
import { readTreeNodes, type Query } from "./log-store";
import { logOrigin, vkeyOf } from "./signing-keys";
import { cosignedNoteAt, cosignedNoteSql } from "./cosigned-note";

export interface AuditExport {
  contentType: string;
  filename: string;
  treeSize: number;
  /** The bundle, a page of lines per chunk; pull it to stream it. */
  chunks: AsyncIterable<string>;
}

const PAGE = 5_000;
const PROVEN_PAGE = 500;
const query: Query = async <R>(text: string, values: unknown[]) => (await db().pool.query(text, values)).rows as R[];

interface EntryRow {
  seq: string;
  canonical: string;
  leaf_hash: string;
  created_at: Date;
  type: string;
  actor_type: string;
  actor_id: string;
  agent_id: string | null;
  subject_id: string | null;
  fields: StoredFields | null;
}

/** A second-format entry's fields as its bundle line carries them (`,"fields":…,"erased":…`), or nothing. */
function fieldsPart(row: EntryRow): string {
  if (!row.fields) return "";
  const { fields, erased } = bundleFieldsOf(row.fields);
  return `${fields ? `,"fields":${JSON.stringify(fields)}` : ""}${erased ? `,"erased":${JSON.stringify(erased)}` : ""}`;
}

/**
 * The org's audit log as a bundle anyone can verify offline (docs/audit.md): JSON Lines with the
 * verifier keys, every entry's canonical text and leaf hash, and the signed checkpoints. First a
 * fresh checkpoint fixes the export's tree size N; only entries below N are read, and those never
 * change, so the stream needs no long-lived snapshot. Unfiltered, the bundle holds every entry and
 * every checkpoint up to N (each placed after its last entry). Filtered (time, agent, type — and
 * always for an agent's own key, which sees only its own entries), each entry carries its
 * inclusion proof against the checkpoint at N. CSV is the same entries for spreadsheets, unsigned.
 * Memory stays flat: one page of rows at a time. Members need `audit.export`; the download holds one
 * of the org's fair shares of the pool (infra/fair-share.ts) until it ends, reading page by page.
 */
export async function exportAuditLog({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<AuditExport> {
  requirePermissionUnlessAgent(ctx, "audit.export");
  const parsed = exportQuerySchema.safeParse(input ?? {});
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const options = { ...parsed.data };
  if (ctx.actor.type === "agent") options.agentId = ctx.actor.agentId;
  const orgId = ctx.org.id;
  // The org's fair share is held from the first read until the last chunk is pulled (or the download is dropped).
  const release = await fairShare().acquire(orgId, "audit export");
  try {
    const bundle = await startExport(ctx, options);
    return { ...bundle, chunks: releasing(bundle.chunks, release) };
  } catch (error) {
    release();
    throw error;
  }
}

type ExportOptions = ReturnType<typeof exportQuerySchema.parse>;

async function startExport(ctx: Ctx, options: ExportOptions): Promise<AuditExport> {
  const orgId = ctx.org.id;
  const filtered = options.from !== undefined || options.to !== undefined || options.agentId !== undefined || options.type !== undefined;
  const where: string[] = ["org_id = $1", "seq >= $2", "seq < $3"];
  const values: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    values.push(value);
    where.push(clause.replace("?", `$${values.length + 3}`));
  };
  if (options.from) add("created_at >= ?", options.from);
  if (options.to) add("created_at <= ?", options.to);
  if (options.agentId) add("agent_id = ?", options.agentId);
  if (options.type) add("type = ?", options.type);
  // Every filter reaches the database here, before the answer's status is sent: the database reads
  // each parameter when it binds it (even for LIMIT 0), so a value it refuses fails the call with an
  // error envelope instead of cutting a download that already answered 200. The contract refuses
  // every such value first (400 naming the field); this is the guarantee, not the check.
  await db().pool.query(`SELECT 1 FROM audit_entries WHERE ${where.join(" AND ")} LIMIT 0`, [orgId, "0", "0", ...values]);
  let checkpoint = await checkpointAuditLog(orgId);
  const size = checkpoint.treeSize;
  if (options.sinceSize !== undefined && options.sinceSize > size) {
    throw validationError([{ path: "sinceSize", message: `the log has ${size} entries; ${options.sinceSize} is beyond it` }]);
  }
  // A log whose oldest months were dropped starts later: its bundle from there, with the tree's frontier there.
  const startRow = (await db().pool.query<{ size: string; frontier: string[] }>(`SELECT size, frontier FROM audit_log_starts WHERE org_id = $1`, [orgId])).rows[0];
  const start = Number(startRow?.size ?? 0);
  if (options.sinceSize !== undefined && options.sinceSize > 0 && options.sinceSize < start) {
    throw validationError([{ path: "sinceSize", message: `${droppedBefore(start)}; a consistency proof reaches back to it, not to ${options.sinceSize}` }]);
  }
  const window = filtered && options.format === "jsonl" ? PROVEN_PAGE : PAGE;
  // JSON Lines needs only the hashed text; CSV shows the columns (and parsing fewer timestamps is faster).
  const columns =
    options.format === "csv" ? "seq, canonical, leaf_hash, fields, created_at, type, actor_type, actor_id, agent_id, subject_id" : "seq, canonical, leaf_hash, fields";
  const select = `SELECT ${columns} FROM audit_entries WHERE ${where.join(" AND ")} ORDER BY seq`;

  // Windows of seq bounded on both sides, so every page is an index range scan (see verify-audit-log).
  // The next window is read while the current one is formatted and sent.
  async function* pages(): AsyncGenerator<EntryRow[]> {
    const read = (from: number) => db().pool.query<EntryRow>(select, [orgId, String(from), String(Math.min(from + window, size)), ...values]);
    let next = size > start ? read(start) : null;
    try {
      for (let from = start; next; from += window) {
        const { rows } = await next;
        next = from + window < size ? read(from + window) : null;
        if (rows.length > 0) yield rows;
      }
    } finally {
      // A download abandoned mid-way leaves one read in flight; its outcome no longer matters.
      next?.catch(() => {});
    }
  }

  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const base = `gatehouse-audit-${ctx.org.slug}-${size}-${stamp}`;
  if (options.format === "csv") {
    return { contentType: "text/csv; charset=utf-8", filename: `${base}.csv`, treeSize: size, chunks: csvChunks(pages()) };
  }

  async function* jsonl(): AsyncGenerator<string> {
    const keys = await db().signingKey.findMany({ where: { orgId }, orderBy: { createdAt: "asc" } });
    const filter = filtered ? { from: options.from ?? null, to: options.to ?? null, agentId: options.agentId ?? null, type: options.type ?? null } : null;
    let head = `${JSON.stringify({ type: "bundle", version: 1, origin: logOrigin(orgId), orgId, exportedAt: new Date().toISOString(), treeSize: size, rootHash: checkpoint.rootHash, filter })}\n`;
    for (const key of keys) head += `${JSON.stringify({ type: "key", vkey: vkeyOf(key), status: key.status, createdAt: key.createdAt.toISOString() })}\n`;
    // A filtered bundle proves each entry against the checkpoint at N and needs no start; a whole one begins at the start.
    if (startRow && !filtered) head += `${JSON.stringify({ type: "start", size: start, frontier: startRow.frontier })}\n`;
    if (filtered) {
      // With witnesses, the cosignatures the worker's job gathered for it so far (an export asks no witness).
      checkpoint = { ...checkpoint, note: (await cosignedNoteAt(orgId, size)) ?? checkpoint.note };
      head += `${JSON.stringify({ type: "checkpoint", note: checkpoint.note })}\n`;
      if (options.sinceSize !== undefined) head += await consistencyLine(orgId, options.sinceSize, size);
      yield head;
      for await (const rows of pages()) yield await provenLines(orgId, rows, size);
      return;
    }
    yield head;
    // Each checkpoint goes right after its last entry (size 0 before the first), read page by page; none from before the start.
    let written = start - 1;
    const checkpointsThrough = async (through: number): Promise<Array<{ size: number; line: string }>> => {
      const { rows } = await db().pool.query<{ tree_size: string; note: string }>(
        `SELECT c.tree_size, ${cosignedNoteSql("c")} AS note FROM checkpoints c WHERE c.org_id = $1 AND c.tree_size > $2 AND c.tree_size <= $3 ORDER BY c.tree_size`,
        [orgId, String(written), String(through)],
      );
      written = through;
      return rows.map((r) => ({ size: Number(r.tree_size), line: `${JSON.stringify({ type: "checkpoint", size: Number(r.tree_size), note: r.note })}\n` }));
    };
    for await (const rows of pages()) {
      const last = Number((rows[rows.length - 1] as EntryRow).seq);
      const notes = await checkpointsThrough(last);
      let next = 0;
      let out = "";
      for (const row of rows) {
        const seq = Number(row.seq);
        for (; next < notes.length && (notes[next] as { size: number }).size <= seq; next += 1) out += (notes[next] as { line: string }).line;
        out += `{"type":"entry","seq":${seq},"canonical":${JSON.stringify(row.canonical)},"leafHash":"${row.leaf_hash}"${fieldsPart(row)}}\n`;
      }
      yield (
        out +
        notes
          .slice(next)
          .map((n) => n.line)
          .join("")
      );
    }
    yield (await checkpointsThrough(size)).map((n) => n.line).join("");
  }
  return { contentType: "application/x-ndjson; charset=utf-8", filename: `${base}.jsonl`, treeSize: size, chunks: jsonl() };
}

/** The chunks, calling `release` once when they end, fail, or are abandoned (even before the first is pulled). */
function releasing(chunks: AsyncIterable<string>, release: () => void): AsyncIterableIterator<string> {
  const inner = chunks[Symbol.asyncIterator]();
  const iterator: AsyncIterableIterator<string> = {
    [Symbol.asyncIterator]: () => iterator,
    next: async () => {
      try {
        const step = await inner.next();
        if (step.done) release();
        return step;
      } catch (error) {
        release();
        throw error;
      }
    },
    return: async (value?: unknown) => {
      release();
      await inner.return?.();
      return { done: true, value: value as string };
    },
  };
  return iterator;
}

/** Entries with their inclusion proofs at `size`: the nodes for a whole page come in one query. */
async function provenLines(orgId: string, rows: EntryRow[], size: number): Promise<string> {
  const proofs = (source: NodeSource) => rows.map((row) => inclusionProof(Number(row.seq), size, source));
  const computed = proofs(sourceOf(await readTreeNodes(query, orgId, plannedReads(proofs))));
  return rows
    .map(
      (row, i) =>
        `${JSON.stringify({
          type: "entry",
          seq: Number(row.seq),
          canonical: row.canonical,
          leafHash: row.leaf_hash,
          proof: { treeSize: size, hashes: (computed[i] as Buffer[]).map(toHex) },
          ...bundleFieldsOf(row.fields),
        })}\n`,
    )
    .join("");
}

async function consistencyLine(orgId: string, size1: number, size2: number): Promise<string> {
  const prove = (source: NodeSource) => consistencyProof(size1, size2, source);
  const proof = prove(sourceOf(await readTreeNodes(query, orgId, plannedReads(prove))));
  return `${JSON.stringify({ type: "consistency", size1, size2, proof: proof.map(toHex) })}\n`;
}

const CSV_COLUMNS = ["seq", "time", "type", "actor_type", "actor_id", "agent_id", "subject_id", "leaf_hash", "data"];

/** RFC 4180 quoting; a cell a spreadsheet would run as a formula is prefixed with a quote mark. */
function csvCell(value: string | null): string {
  if (value === null) return "";
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

async function* csvChunks(pages: AsyncIterable<EntryRow[]>): AsyncGenerator<string> {
  yield `${CSV_COLUMNS.join(",")}\r\n`;
  for await (const rows of pages) {
    yield rows
      .map((row) => {
        const data = JSON.stringify(openEntry(row.canonical, row.fields).data ?? {});
        return [row.seq, row.created_at.toISOString(), row.type, row.actor_type, row.actor_id, row.agent_id, row.subject_id, row.leaf_hash, data].map(csvCell).join(",");
      })
      .join("\r\n")
      .concat("\r\n");
  }
}
