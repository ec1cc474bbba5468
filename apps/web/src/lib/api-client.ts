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

async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(url, { signal, headers: { accept: "application/json" }, cache: "no-store" });
  if (response.ok) return (await response.json()) as T;
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
  throw new ApiError(response.status, code, message, requestId);
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
