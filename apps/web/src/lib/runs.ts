import type { Run, RunDetail, RunTimelineItem } from "@gatehouse/contracts";
import type { RunStatus } from "@gatehouse/core";
import { getJson, orgPath } from "./api-client";
import { formatSpan } from "./approvals";

// /api/orgs/[orgSlug]/runs and /runs/[runId] answer these shapes (the API's GET /v1/runs and /v1/runs/:id).
export type { Run, RunDetail, RunStatus, RunTimelineItem };
export interface RunPage {
  runs: Run[];
  nextCursor: string | null;
}

/** How many runs one page of the list holds. */
export const RUN_PAGE_SIZE = 25;

export const runKeys = {
  all: (orgSlug: string) => ["runs", orgSlug] as const,
  list: (orgSlug: string, status: RunStatus | null) => ["runs", orgSlug, "list", status ?? "any"] as const,
  detail: (orgSlug: string, runId: string) => ["runs", orgSlug, "run", runId] as const,
};

export function fetchRunPage(orgSlug: string, options: { status: RunStatus | null; cursor?: string | null }, signal?: AbortSignal): Promise<RunPage> {
  const params = new URLSearchParams({ limit: String(RUN_PAGE_SIZE) });
  if (options.status) params.set("status", options.status);
  if (options.cursor) params.set("cursor", options.cursor);
  return getJson<RunPage>(`${orgPath(orgSlug)}/runs?${params.toString()}`, signal);
}

export const fetchRun = (orgSlug: string, runId: string, signal?: AbortSignal) => getJson<RunDetail>(`${orgPath(orgSlug)}/runs/${encodeURIComponent(runId)}`, signal);

/** A run that may still change: it is followed live (and refetched now and then for what streams no event, its end and outcomes). */
export const isLive = (status: RunStatus): boolean => status === "running" || status === "waiting";

export const RUN_STATUS_LABEL: Record<RunStatus, string> = {
  running: "running",
  waiting: "waiting for approval",
  idle: "idle",
  completed: "completed",
  failed: "failed",
  cancelled: "cancelled",
};

export const RUN_STATUS_TONE: Record<RunStatus, "ok" | "bad" | "warn" | "muted"> = {
  running: "ok",
  waiting: "warn",
  idle: "muted",
  completed: "ok",
  failed: "bad",
  cancelled: "muted",
};

/** A run's length as people read it: "850 ms", "42s", "3m 20s". */
export function runDuration(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : formatSpan(ms);
}

/**
 * Dollars as the console shows spend, never rounded to the cent (model calls cost fractions of one): "$0.015",
 * "$0.0042", "$1.25", "$1,204.50", "$0.000012"; cents always shown, up to four decimals, and two significant
 * digits below a hundredth of a cent.
 */
export function formatUsd(usd: number): string {
  if (usd === 0) return "$0";
  const sign = usd < 0 ? "-" : "";
  const amount = Math.abs(usd);
  if (amount < 0.0001) return `${sign}$${Number(amount.toPrecision(2)).toString()}`;
  return `${sign}$${amount.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 4 })}`;
}

/** What model calls spent: "12,400 tokens · $0.031", or "none" before any reported usage. */
export function formatSpend(spend: { tokens: number; usd: number | null }): string {
  if (spend.tokens === 0 && !spend.usd) return "none";
  const tokens = `${spend.tokens.toLocaleString("en-US")} tokens`;
  return spend.usd === null ? `${tokens} · unpriced` : `${tokens} · ${formatUsd(spend.usd)}`;
}
