import type { Approval, ApprovalFilters, ApprovalPage, DecisionBody } from "./approvals";
import type { AuditPage } from "./audit";

/** A non-2xx answer from the console's own route handlers. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;

  constructor(status: number, code: string, message: string, requestId: string | null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }
}

async function errorOf(response: Response): Promise<ApiError> {
  let code = "INTERNAL";
  let message = `Request failed with status ${response.status}`;
  let requestId = response.headers.get("x-request-id");
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string; requestId?: string } };
    code = body.error?.code ?? code;
    message = body.error?.message ?? message;
    requestId = body.error?.requestId ?? requestId;
  } catch {
    // Not JSON (a proxy error page, say): keep the generic message.
  }
  return new ApiError(response.status, code, message, requestId);
}

async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(url, { signal, headers: { accept: "application/json" }, cache: "no-store" });
  if (response.ok) return (await response.json()) as T;
  throw await errorOf(response);
}

async function postJson<T>(url: string, body: unknown): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { accept: "application/json", "content-type": "application/json" },
    body: JSON.stringify(body),
    cache: "no-store",
  });
  if (response.ok) return (await response.json()) as T;
  throw await errorOf(response);
}

export interface AuditFilters {
  type?: string;
  agentId?: string;
}

export function fetchAuditPage(
  orgSlug: string,
  { cursor, limit, ...filters }: AuditFilters & { cursor?: string | null; limit?: number },
  signal?: AbortSignal,
): Promise<AuditPage> {
  const params = new URLSearchParams();
  if (cursor) params.set("cursor", cursor);
  if (limit) params.set("limit", String(limit));
  if (filters.type) params.set("type", filters.type);
  if (filters.agentId) params.set("agentId", filters.agentId);
  const query = params.size > 0 ? `?${params.toString()}` : "";
  return getJson<AuditPage>(`/api/orgs/${encodeURIComponent(orgSlug)}/audit${query}`, signal);
}

const orgPath = (orgSlug: string) => `/api/orgs/${encodeURIComponent(orgSlug)}`;

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

export function eventsUrl(orgSlug: string): string {
  return `${orgPath(orgSlug)}/events`;
}
