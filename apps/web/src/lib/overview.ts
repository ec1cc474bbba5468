import type { Overview, OverviewRange, Posture } from "@gatehouse/contracts";
import { getJson, orgPath } from "./api-client";

// /api/orgs/[orgSlug]/overview and /posture answer these shapes (getOverview and getPosture in
// @gatehouse/db; the route handlers check at compile time that they fit).

export type { Overview, OverviewRange, Posture };

/** The contract's OVERVIEW_RANGES, without pulling the contracts (zod) into the browser's bundle. */
export const OVERVIEW_RANGES = ["24h", "7d", "30d"] as const satisfies readonly OverviewRange[];
export const RANGE_LABELS: Record<OverviewRange, string> = { "24h": "24 hours", "7d": "7 days", "30d": "30 days" };

/** TanStack Query keys: `all` covers both, so one invalidation refreshes the org home. */
export const overviewKeys = {
  all: (orgSlug: string) => ["overview", orgSlug] as const,
  overview: (orgSlug: string, range: OverviewRange) => ["overview", orgSlug, "overview", range] as const,
  posture: (orgSlug: string) => ["overview", orgSlug, "posture"] as const,
};

const base = orgPath;

export const fetchOverview = (orgSlug: string, range: OverviewRange, signal?: AbortSignal) =>
  getJson<Overview>(`${base(orgSlug)}/overview?range=${encodeURIComponent(range)}`, signal);
export const fetchPosture = (orgSlug: string, signal?: AbortSignal) => getJson<Posture>(`${base(orgSlug)}/posture`, signal);

/** The range in the address bar (`?range=7d`), or the default when it is missing or not one. */
export function overviewRange(value: unknown): OverviewRange {
  return OVERVIEW_RANGES.find((range) => range === value) ?? "24h";
}

/**
 * Where a posture finding's "Fix it" leads in the console: the finding's own page (its `href`, relative
 * to the org), sharpened to the place that fixes it: the policy editor for policy findings, the Audit
 * section that verifies or rotates, the entries that name self-approval attempts.
 */
export function findingHref(finding: { id: string; href: string }): string {
  switch (finding.id) {
    case "audit.not_verified":
    case "audit.verification_failed":
      return "/audit?tab=verify";
    case "audit.old_signing_key":
      return "/audit?tab=keys";
    case "oversight.self_approval_attempts":
      return "/audit?type=approval.vote_refused";
  }
  return finding.href === "/policies" || finding.href.startsWith("/policies?") ? "/policies/draft" : finding.href;
}

/** What `identity.sso_not_required` says on a console with no single sign-on provider: no setting here can turn it on. */
export const SSO_UNAVAILABLE_FIX =
  "This console has no single sign-on provider, so SSO cannot be required here: whoever runs it sets AUTH_OIDC_ISSUER, AUTH_OIDC_CLIENT_ID and AUTH_OIDC_CLIENT_SECRET (docs/accounts.md, single sign-on).";

/**
 * A finding's fix as the console shows it: its text, and where "Fix it" leads, or null when nothing in this
 * console can fix it (requiring SSO on a console without a single sign-on provider).
 */
export function findingFix(finding: { id: string; href: string; fix: string }, instance: { ssoAvailable: boolean }): { text: string; href: string | null } {
  if (finding.id === "identity.sso_not_required" && !instance.ssoAvailable) return { text: SSO_UNAVAILABLE_FIX, href: null };
  return { text: finding.fix, href: findingHref(finding) };
}

/** "45 s", "2.5 min", "3.2 h", "1.5 d": a duration in seconds, short, for the approval times. */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null) return "—";
  const one = (value: number) => (Math.round(value * 10) / 10).toString();
  if (seconds < 60) return `${one(seconds)} s`;
  if (seconds < 3600) return `${one(seconds / 60)} min`;
  if (seconds < 86_400) return `${one(seconds / 3600)} h`;
  return `${one(seconds / 86_400)} d`;
}

/** A series point's label on the time axis: "14:00" for hourly points, "22 Nov" for the longer ranges. */
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;
export function bucketLabel(at: string, range: OverviewRange): string {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return at;
  const hh = String(date.getUTCHours()).padStart(2, "0");
  const day = `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()] ?? ""}`;
  if (range === "24h") return `${hh}:00`;
  if (range === "7d") return `${day} ${hh}h`;
  return day;
}
