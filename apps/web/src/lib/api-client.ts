import type { Approval, ApprovalFilters, ApprovalPage, BulkDecisionResult, DecisionBody } from "./approvals";
import { attachmentFilename, entryCounter } from "./export-count";
import { AUDIT_FILTER_KEYS, type AuditFilters } from "./audit";
import type { AuditPage, ChainVerification, CheckpointPage, ExportOptions, InclusionProof, RotatedKeys, SigningKeyList, VerifyLine } from "./audit";
import type { AuditErasureBody, AuditErasureOutcome } from "./erasure";

// The console's one fetch client: every call its pages make to its own route handlers goes through
// `request`, and every refusal is an ApiError read from the one error envelope
// (`{ error: { code, message, details?, requestId } }`, as the API answers).

/** A field a 400 or 409 names: `path` as the route's schema names it; `line` when it is in a policy source. */
export interface FieldIssue {
  path: string;
  message: string;
  line?: number;
}

/** A non-2xx answer from the console's own route handlers. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  /** The fields the refusal names, in order. */
  readonly issues: FieldIssue[];
  /** The first message per field path, for a form that shows each at its input. */
  readonly fields: Record<string, string>;

  constructor(status: number, code: string, message: string, requestId: string | null, issues: FieldIssue[] = []) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.issues = issues;
    const fields: Record<string, string> = {};
    for (const issue of issues) if (!(issue.path in fields)) fields[issue.path] = issue.message;
    this.fields = fields;
  }
}

function issuesOf(details: unknown): FieldIssue[] {
  const list = details && typeof details === "object" ? (details as { issues?: unknown }).issues : undefined;
  if (!Array.isArray(list)) return [];
  return list.flatMap((raw: unknown) => {
    if (!raw || typeof raw !== "object") return [];
    const { path, message, line } = raw as { path?: unknown; message?: unknown; line?: unknown };
    if (typeof path !== "string" || typeof message !== "string") return [];
    return [{ path, message, ...(typeof line === "number" && Number.isInteger(line) && line > 0 ? { line } : {}) }];
  });
}

async function errorOf(response: Response): Promise<ApiError> {
  let code = "INTERNAL";
  let message = `Request failed with status ${response.status}`;
  let requestId = response.headers.get("x-request-id");
  let issues: FieldIssue[] = [];
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string; requestId?: string; details?: unknown } };
    code = body.error?.code ?? code;
    message = body.error?.message ?? message;
    requestId = body.error?.requestId ?? requestId;
    issues = issuesOf(body.error?.details);
  } catch {
    // Not JSON (a proxy error page, say): keep the generic message.
  }
  return new ApiError(response.status, code, message, requestId, issues);
}

/** One call to a console route: JSON in (when `body` is given) and out; a non-2xx answer rejects with an ApiError. */
export async function request<T>(method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", url: string, options: { body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const { body, signal } = options;
  const response = await fetch(url, {
    method,
    signal,
    cache: "no-store",
    headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.ok) return (await response.json()) as T;
  throw await errorOf(response);
}

export const getJson = <T>(url: string, signal?: AbortSignal): Promise<T> => request<T>("GET", url, { signal });
export const postJson = <T>(url: string, body: unknown, signal?: AbortSignal): Promise<T> => request<T>("POST", url, { body, signal });

export type { AuditFilters };

/** The console's route for an org: `/api/orgs/<slug>`. */
export const orgPath = (orgSlug: string) => `/api/orgs/${encodeURIComponent(orgSlug)}`;

export function fetchAuditPage(
  orgSlug: string,
  { cursor, limit, ...filters }: AuditFilters & { cursor?: string | null; limit?: number },
  signal?: AbortSignal,
): Promise<AuditPage> {
  const params = new URLSearchParams();
  if (cursor) params.set("cursor", cursor);
  if (limit) params.set("limit", String(limit));
  for (const key of AUDIT_FILTER_KEYS) {
    const value = filters[key];
    if (value) params.set(key, value);
  }
  const query = params.size > 0 ? `?${params.toString()}` : "";
  return getJson<AuditPage>(`${orgPath(orgSlug)}/audit${query}`, signal);
}

/** The entry's inclusion proof against a fresh signed checkpoint of the log. */
export function fetchInclusionProof(orgSlug: string, entryId: string, signal?: AbortSignal): Promise<InclusionProof> {
  return getJson<InclusionProof>(`${orgPath(orgSlug)}/audit/proof?entryId=${encodeURIComponent(entryId)}`, signal);
}

export function fetchCheckpointPage(orgSlug: string, { cursor, limit }: { cursor?: string | null; limit?: number }, signal?: AbortSignal): Promise<CheckpointPage> {
  const params = new URLSearchParams();
  if (cursor) params.set("cursor", cursor);
  if (limit) params.set("limit", String(limit));
  const query = params.size > 0 ? `?${params.toString()}` : "";
  return getJson<CheckpointPage>(`${orgPath(orgSlug)}/audit/checkpoints${query}`, signal);
}

export function fetchSigningKeys(orgSlug: string, signal?: AbortSignal): Promise<SigningKeyList> {
  return getJson<SigningKeyList>(`${orgPath(orgSlug)}/audit/keys`, signal);
}

export function rotateSigningKey(orgSlug: string): Promise<RotatedKeys> {
  return request<RotatedKeys>("POST", `${orgPath(orgSlug)}/audit/keys/rotate`);
}

/** Erases the values of committed fields (of entries, or holding a subject) for good, or asks a second admin to (the two-admin rule); owners only. */
export function eraseAuditData(orgSlug: string, body: AuditErasureBody): Promise<AuditErasureOutcome> {
  return postJson<AuditErasureOutcome>(`${orgPath(orgSlug)}/audit/erasures`, body);
}

/**
 * Recomputes the whole log on the server, reporting progress as the JSON Lines answer arrives;
 * resolves with the result. An error before or during the stream rejects with an ApiError.
 */
export async function verifyAuditChain(
  orgSlug: string,
  { onProgress, signal }: { onProgress: (checked: number, total: number) => void; signal?: AbortSignal },
): Promise<ChainVerification> {
  const response = await fetch(`${orgPath(orgSlug)}/audit/verify`, {
    method: "POST",
    headers: { accept: "application/x-ndjson" },
    cache: "no-store",
    signal,
  });
  if (!response.ok || !response.body) throw await errorOf(response);
  const requestId = response.headers.get("x-request-id");
  const lines = response.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    let buffered = "";
    for (;;) {
      const { value, done } = await lines.read();
      buffered += value ?? "";
      const complete = done ? buffered : buffered.slice(0, buffered.lastIndexOf("\n") + 1);
      buffered = buffered.slice(complete.length);
      for (const text of complete.split("\n")) {
        if (!text.trim()) continue;
        const line = JSON.parse(text) as VerifyLine;
        if (line.type === "progress") onProgress(line.checked, line.total);
        else if (line.type === "result") return line.result;
        else throw new ApiError(line.status, line.error.code, line.error.message, line.error.requestId);
      }
      if (done) throw new ApiError(502, "INTERNAL", "The verification ended without a result. Try again.", requestId);
    }
  } finally {
    void lines.cancel().catch(() => {});
  }
}

export interface ExportProgress {
  bytes: number;
  entries: number;
}

export interface SavedExport extends ExportProgress {
  filename: string;
  blob: Blob;
}

/**
 * Fetches an export while counting what arrives (`onProgress` after every chunk), then hands back the
 * file to save: the console can show progress and say what it saved, which a plain link cannot.
 */
export async function fetchAuditExport(orgSlug: string, options: ExportOptions, onProgress: (progress: ExportProgress) => void, signal?: AbortSignal): Promise<SavedExport> {
  const response = await fetch(auditExportUrl(orgSlug, options), { signal, cache: "no-store" });
  if (!response.ok || !response.body) throw await errorOf(response);
  const counter = entryCounter(options.format);
  const decoder = new TextDecoder();
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let bytes = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    bytes += value.byteLength;
    counter.push(decoder.decode(value, { stream: true }));
    onProgress({ bytes, entries: counter.entries });
  }
  counter.push(decoder.decode());
  counter.end();
  const type = response.headers.get("content-type") ?? "application/octet-stream";
  const filename = attachmentFilename(response.headers.get("content-disposition")) ?? `gatehouse-audit-${orgSlug}.${options.format}`;
  return { filename, bytes, entries: counter.entries, blob: new Blob(chunks, { type }) };
}

/** Where the browser downloads an export (the answer is an attachment). */
export function auditExportUrl(orgSlug: string, options: ExportOptions): string {
  const params = new URLSearchParams({ format: options.format });
  for (const key of ["from", "to", "agentId", "type"] as const) {
    const value = options[key];
    if (value) params.set(key, value);
  }
  return `${orgPath(orgSlug)}/audit/export?${params.toString()}`;
}

export function fetchApprovalPage(
  orgSlug: string,
  { cursor, limit, ...filters }: ApprovalFilters & { cursor?: string | null; limit?: number },
  signal?: AbortSignal,
): Promise<ApprovalPage> {
  const params = new URLSearchParams({ status: filters.status });
  if (filters.agentId) params.set("agentId", filters.agentId);
  if (filters.actionType) params.set("actionType", filters.actionType);
  if (cursor) params.set("cursor", cursor);
  if (limit) params.set("limit", String(limit));
  return getJson<ApprovalPage>(`${orgPath(orgSlug)}/approvals?${params.toString()}`, signal);
}

export function fetchApproval(orgSlug: string, approvalId: string, signal?: AbortSignal): Promise<Approval> {
  return getJson<Approval>(`${orgPath(orgSlug)}/approvals/${encodeURIComponent(approvalId)}`, signal);
}

export function decideApproval(orgSlug: string, approvalId: string, body: DecisionBody): Promise<Approval> {
  return postJson<Approval>(`${orgPath(orgSlug)}/approvals/${encodeURIComponent(approvalId)}/decision`, body);
}

/** The same vote on several approvals: `approvalIds` at most MAX_BULK_DECISION. */
export function decideApprovals(orgSlug: string, body: DecisionBody & { approvalIds: string[] }): Promise<BulkDecisionResult> {
  return postJson<BulkDecisionResult>(`${orgPath(orgSlug)}/approvals/decision`, body);
}

export function eventsUrl(orgSlug: string): string {
  return `${orgPath(orgSlug)}/events`;
}
