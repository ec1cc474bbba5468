import type { GovernanceHealth, GovernanceHealthItemName, HealthStatus } from "@gatehouse/contracts";
import { getJson, orgPath } from "./api-client";
import { formatSpan } from "./approvals";
import { countOf } from "./format";

// /api/orgs/[orgSlug]/health/governance answers GovernanceHealth (getGovernanceHealth in @gatehouse/db;
// the route handler checks at compile time that it fits), for the roles with audit.verify.

export type { GovernanceHealth, GovernanceHealthItemName, HealthStatus };
type Items = GovernanceHealth["items"];

/** Under the overview's key, so the org home's one invalidation refreshes it too. */
export const governanceHealthKey = (orgSlug: string) => ["overview", orgSlug, "governance-health"] as const;

export const fetchGovernanceHealth = (orgSlug: string, signal?: AbortSignal) => getJson<GovernanceHealth>(`${orgPath(orgSlug)}/health/governance`, signal);

/** The items in the order a person on call reads them, with their labels. */
export const HEALTH_ITEMS: ReadonlyArray<{ name: GovernanceHealthItemName; label: string }> = [
  { name: "logIntegrity", label: "Log integrity" },
  { name: "signingKey", label: "Signing key" },
  { name: "checkpointAge", label: "Checkpoint age" },
  { name: "workerJobs", label: "Worker jobs" },
  { name: "webhookBacklog", label: "Webhook backlog" },
  { name: "decisionLatency", label: "Decision latency" },
  { name: "evaluationFailures", label: "Evaluation failures" },
  { name: "witnesses", label: "Witnesses" },
];

export const STATUS_LABEL: Record<HealthStatus, string> = { ok: "OK", warn: "Warning", fail: "Failing" };

export const STATUS_CLASS: Record<HealthStatus, string> = {
  ok: "bg-emerald-100 text-emerald-800 ring-emerald-200",
  warn: "bg-amber-100 text-amber-800 ring-amber-200",
  fail: "bg-red-100 text-red-800 ring-red-200",
};

/** "5m ago" beside an item, from when what it reports last happened; "never" without a time. */
export function healthAge(observedAt: string | null, now = Date.now()): string {
  if (observedAt === null) return "never";
  const at = Date.parse(observedAt);
  // A time a little ahead of this clock (another machine's) reads as now.
  return Number.isNaN(at) ? observedAt : `${formatSpan(Math.max(0, now - at))} ago`;
}

/** The item's figures in one short line; empty when its probe failed (its reason says why). */
export function healthFigures(items: Items, name: GovernanceHealthItemName): string {
  const entries = (n: number) => countOf(n, "entry", "entries");
  switch (name) {
    case "logIntegrity": {
      const d = items.logIntegrity.details;
      if (!d) return "";
      return `${d.verifiedUpTo === null ? "no checkpoint yet" : `verified up to ${entries(d.verifiedUpTo)}`} of ${entries(d.headSize)}`;
    }
    case "signingKey": {
      const d = items.signingKey.details;
      if (!d) return "";
      return d.keyId === null ? "no key yet" : `${d.keyId} · ${d.usable ? "usable" : "not usable"}`;
    }
    case "checkpointAge": {
      const d = items.checkpointAge.details;
      if (!d) return "";
      return d.treeSize === null ? `${entries(d.uncoveredEntries)} unsigned` : `tree size ${d.treeSize} · ${entries(d.uncoveredEntries)} waiting`;
    }
    case "decisionLatency": {
      const d = items.decisionLatency.details;
      if (!d) return "";
      return d.p50Ms === null || d.p99Ms === null ? "no decisions in the window" : `p50 ≤ ${d.p50Ms} ms · p99 ≤ ${d.p99Ms} ms · ${d.samples} decisions`;
    }
    case "evaluationFailures": {
      const d = items.evaluationFailures.details;
      if (!d) return "";
      return d.count === 0 ? "none in the window" : `${d.count} of ${d.decisions} decisions`;
    }
    case "workerJobs": {
      const d = items.workerJobs.details;
      if (!d) return "";
      return d.jobs.map((job) => `${job.name}: ${job.lastOutcome}`).join(" · ");
    }
    case "webhookBacklog": {
      const d = items.webhookBacklog.details;
      if (!d) return "";
      if (d.endpoints === 0) return "no endpoints";
      return `${entries(d.pending)} pending over ${countOf(d.endpoints, "endpoint")}${d.failingEndpoints > 0 ? ` · ${d.failingEndpoints} failing` : ""}`;
    }
    case "witnesses": {
      const d = items.witnesses.details;
      if (!d) return "";
      if (!d.configured) return "none configured";
      const cosigned = d.cosignedBy.length === 0 ? "no cosignature yet" : `cosigned by ${d.cosignedBy.join(", ")}`;
      return `${d.quorum} · ${cosigned}${d.refusing.length > 0 ? ` · ${countOf(d.refusing.length, "witness", "witnesses")} refusing` : ""}`;
    }
  }
}
