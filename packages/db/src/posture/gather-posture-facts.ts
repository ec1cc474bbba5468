import { FAST_DECISION_SECONDS, INTEGRATION_WINDOW_DAYS, POSTURE_WINDOW_DAYS, retentionSettings, signInSettings, type PostureFacts, type PosturePolicyFact } from "@gatehouse/core";
import { APPROVAL_TIMEOUT_MAX_SECONDS } from "@gatehouse/core";
import { coverageSince } from "./get-coverage";
import { flushCallCoverage } from "./note-calls";
import { db } from "../infra/client";
import { rollupWindow } from "../rollups/roll-up-decisions";

const DAY_MS = 86_400_000;

/**
 * Every number the posture rules need, for one org at `now` (docs/posture.md, "What is measured").
 * Independent queries run at once, each on an index, none over the org's decisions: decision counts
 * come from decision_rollups (hour rows up to the window's first UTC midnight, day rows after it), approvals are read
 * by (org_id, status, created_at), votes through their approvals, refused self-approvals by the audit
 * entries' (org_id, type, seq).
 */
export async function gatherPostureFacts(orgId: string, now: Date = new Date()): Promise<PostureFacts> {
  const pool = db().pool;
  const windowStart = new Date(now.getTime() - POSTURE_WINDOW_DAYS * DAY_MS);
  // An approval that ended in the window was created at most its longest timeout before the window began.
  const window = rollupWindow(windowStart, now, 2);
  const approvalsFrom = new Date(windowStart.getTime() - APPROVAL_TIMEOUT_MAX_SECONDS * 1000);
  const ANY_STATUS = ["pending", "approved", "denied", "expired", "cancelled"];

  const integrationsSince = new Date(now.getTime() - INTEGRATION_WINDOW_DAYS * DAY_MS);
  // Model calls declared by hand, without a model-client wrapper, per agent over coverage's window (this process's
  // counts written first, so the calls it just decided count; docs/agents.md, Coverage).
  const unwrapped = flushCallCoverage().then(() =>
    pool.query<{ agent_name: string; n: string }>(
      `SELECT a.name AS agent_name, sum(c.count) AS n FROM agent_call_coverage c JOIN agents a ON a.id = c.agent_id
       WHERE c.org_id = $1 AND c.kind = 'model.declared' AND c.day >= $2 GROUP BY a.name`,
      [orgId, coverageSince(now)],
    ),
  );
  unwrapped.catch(() => {}); // awaited below; a failure of the queries before it must not leave it unhandled
  const [decisions, policies, approvals, votes, refused, grants, org, members, keys, delegations, verify, auditorExport, checkpoint, signingKey, integrations, broken, sweeps] =
    await Promise.all([
      // From the bucket holding windowStart's hour on (the window, to the hour): hour rows to the next UTC midnight, day rows after it.
      pool.query<{ total: string | null; no_policy: string | null; executed: string | null; outcomes: string | null; action_types: string[] | null }>(
        `SELECT sum(executed + denied + requested) AS total, sum(no_policy) AS no_policy, sum(executed) AS executed, sum(outcomes) AS outcomes,
              array_agg(DISTINCT action_type) FILTER (WHERE executed + denied + requested > 0) AS action_types
       FROM decision_rollups WHERE org_id = $1 AND ${window.sql}`,
        [orgId, ...window.params],
      ),
      pool.query<{ name: string; document: { actions?: string[]; effect?: string; mode?: string; approval?: { quorum?: number } }; created_at: Date }>(
        `SELECT p.name, v.document, v.created_at FROM policies p JOIN policy_versions v ON v.id = p.current_version_id
       WHERE p.org_id = $1 AND p.status = 'active'`,
        [orgId],
      ),
      pool.query<{ decided: string; expired: string; median: number | null; p90: number | null; fast: string }>(
        `SELECT count(*) FILTER (WHERE status IN ('approved', 'denied') AND decided_at >= $2) AS decided,
              count(*) FILTER (WHERE status = 'expired' AND COALESCE(decided_at, expires_at) >= $2) AS expired,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - created_at)) FILTER (WHERE status IN ('approved', 'denied') AND decided_at >= $2) AS median,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - created_at)) FILTER (WHERE status IN ('approved', 'denied') AND decided_at >= $2) AS p90,
              count(*) FILTER (WHERE status IN ('approved', 'denied') AND decided_at >= $2 AND decided_at - created_at <= make_interval(secs => $4)) AS fast
       FROM approvals WHERE org_id = $1 AND status IN ('approved', 'denied', 'expired') AND created_at >= $3`,
        [orgId, windowStart, approvalsFrom, FAST_DECISION_SECONDS],
      ),
      pool.query<{ votes: string }>(
        `SELECT count(*) AS votes FROM approvals a JOIN approval_votes v ON v.approval_id = a.id
       WHERE a.org_id = $1 AND a.status = ANY($4::approval_status[]) AND a.created_at >= $3 AND v.created_at >= $2
       GROUP BY v.membership_id`,
        [orgId, windowStart, approvalsFrom, ANY_STATUS],
      ),
      pool.query<{ n: string }>(`SELECT count(*) AS n FROM audit_entries WHERE org_id = $1 AND type = 'approval.vote_refused' AND created_at >= $2`, [orgId, windowStart]),
      // Standing grants live now (docs/approvals.md): calls they cover run without a person.
      pool.query<{ n: string; latest: Date | null }>(
        `SELECT count(*) AS n, max(expires_at) AS latest FROM standing_grants WHERE org_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND uses < max_uses`,
        [orgId, now],
      ),
      pool.query<{ settings: unknown }>(`SELECT settings FROM orgs WHERE id = $1`, [orgId]),
      pool.query<{ total: string; owners: string }>(
        `SELECT count(*) AS total, count(*) FILTER (WHERE role = 'owner') AS owners FROM memberships WHERE org_id = $1 AND removed_at IS NULL`,
        [orgId],
      ),
      pool.query<{
        id: string;
        kind: "agent" | "admin";
        agent_id: string | null;
        agent_name: string | null;
        agent_status: string | null;
        created_at: Date;
        last_used_at: Date | null;
        expires_at: Date | null;
      }>(
        `SELECT k.id, k.kind::text AS kind, k.agent_id, a.name AS agent_name, a.status::text AS agent_status, k.created_at, k.last_used_at, k.expires_at
       FROM api_keys k LEFT JOIN agents a ON a.id = k.agent_id
       WHERE k.org_id = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > $2)`,
        [orgId, now],
      ),
      pool.query<{ id: string; name: string; created_at: Date; expires_at: Date }>(
        `SELECT id, name, created_at, expires_at FROM delegations WHERE org_id = $1 AND revoked_at IS NULL AND expires_at > $2`,
        [orgId, now],
      ),
      pool.query<{ valid: boolean | null; created_at: Date }>(
        `SELECT valid, created_at FROM audit_reviews WHERE org_id = $1 AND kind = 'verify' ORDER BY created_at DESC LIMIT 1`,
        [orgId],
      ),
      pool.query<{ created_at: Date }>(`SELECT created_at FROM audit_reviews WHERE org_id = $1 AND kind = 'export' AND member_role = 'auditor' ORDER BY created_at DESC LIMIT 1`, [
        orgId,
      ]),
      // The oldest entry past the latest checkpoint: seq = its tree size (entries are numbered from 0).
      pool.query<{ oldest: Date | null }>(
        `SELECT (SELECT e.created_at FROM audit_entries e WHERE e.org_id = h.org_id AND e.seq = COALESCE(c.tree_size, 0)) AS oldest
       FROM audit_log_heads h LEFT JOIN LATERAL (SELECT max(tree_size) AS tree_size FROM checkpoints WHERE org_id = h.org_id) c ON true
       WHERE h.org_id = $1 AND h.size > COALESCE(c.tree_size, 0)`,
        [orgId],
      ),
      pool.query<{ created_at: Date }>(`SELECT created_at FROM signing_keys WHERE org_id = $1 AND status = 'active'`, [orgId]),
      pool.query<{ agent_id: string; agent_name: string; integration: string; last_seen_at: Date; last_tool_call_at: Date | null }>(
        `SELECT i.agent_id, a.name AS agent_name, i.integration, i.last_seen_at, i.last_tool_call_at
       FROM agent_integrations i JOIN agents a ON a.id = i.agent_id
       WHERE i.org_id = $1 AND i.last_seen_at >= $2`,
        [orgId, integrationsSince],
      ),
      pool.query<{ n: string }>(`SELECT count(*) AS n FROM audit_entries WHERE org_id = $1 AND type = 'action.postcondition_violated' AND created_at >= $2`, [orgId, windowStart]),
      // The worker's retention sweeps (audit.erased by system:retention, on the type's index): the latest ever, and the window's.
      pool.query<{ last: Date | null; n: string; entries: string | null }>(
        `SELECT (SELECT max(created_at) FROM audit_entries WHERE org_id = $1 AND type = 'audit.erased' AND actor_type = 'system' AND actor_id = 'retention') AS last,
                count(*) AS n, sum(jsonb_array_length((canonical::jsonb) -> 'data' -> 'entries')) AS entries
         FROM audit_entries WHERE org_id = $1 AND type = 'audit.erased' AND actor_type = 'system' AND actor_id = 'retention' AND created_at >= $2`,
        [orgId, windowStart],
      ),
    ]);
  const byAgent = new Map<string, PostureFacts["agentIntegrations"][number]>();
  for (const row of integrations.rows) {
    const agent = byAgent.get(row.agent_id) ?? { agentId: row.agent_id, agentName: row.agent_name, integrations: [] };
    agent.integrations.push({ name: row.integration, lastSeenAt: row.last_seen_at, lastToolCallAt: row.last_tool_call_at });
    byAgent.set(row.agent_id, agent);
  }

  const d = decisions.rows[0];
  const a = approvals.rows[0];
  const voteCounts = votes.rows.map((r) => Number(r.votes));
  const m = members.rows[0];
  const lastVerify = verify.rows[0];
  return {
    now,
    decisions: {
      total: Number(d?.total ?? 0),
      noPolicy: Number(d?.no_policy ?? 0),
      executed: Number(d?.executed ?? 0),
      outcomes: Number(d?.outcomes ?? 0),
      actionTypes: d?.action_types ?? [],
      postConditionViolations: Number(broken.rows[0]?.n ?? 0),
    },
    policies: policies.rows.map((p): PosturePolicyFact => ({
      name: p.name,
      actions: p.document.actions ?? [],
      effect: (p.document.effect ?? "deny") as PosturePolicyFact["effect"],
      mode: p.document.mode === "monitor" ? "monitor" : "enforce",
      quorum: p.document.effect === "require_approval" ? (p.document.approval?.quorum ?? 1) : null,
      versionCreatedAt: p.created_at,
    })),
    approvals: {
      decided: Number(a?.decided ?? 0),
      expired: Number(a?.expired ?? 0),
      medianSeconds: a?.median ?? null,
      p90Seconds: a?.p90 ?? null,
      decidedFast: Number(a?.fast ?? 0),
      votes: voteCounts.reduce((s, n) => s + n, 0),
      topVoterVotes: voteCounts.reduce((max, n) => Math.max(max, n), 0),
      refusedSelfApprovals: Number(refused.rows[0]?.n ?? 0),
      activeGrants: Number(grants.rows[0]?.n ?? 0),
      latestGrantExpiry: grants.rows[0]?.latest ?? null,
    },
    members: { total: Number(m?.total ?? 0), owners: Number(m?.owners ?? 0), ssoRequired: signInSettings(org.rows[0]?.settings).ssoRequired },
    agentKeys: keys.rows
      .filter((k) => k.kind === "agent" && k.agent_id)
      .map((k) => ({
        id: k.id,
        agentId: k.agent_id ?? "",
        agentName: k.agent_name ?? "",
        agentHalted: k.agent_status === "halted",
        createdAt: k.created_at,
        lastUsedAt: k.last_used_at,
        expiresAt: k.expires_at,
      })),
    adminKeys: keys.rows.filter((k) => k.kind === "admin").map((k) => ({ id: k.id, createdAt: k.created_at })),
    delegations: delegations.rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, expiresAt: r.expires_at })),
    agentIntegrations: [...byAgent.values()],
    unwrappedModelCalls: (await unwrapped).rows.map((r) => ({ agentName: r.agent_name, count: Number(r.n) })),
    audit: {
      lastVerification: lastVerify ? { at: lastVerify.created_at, valid: lastVerify.valid !== false } : null,
      oldestUncoveredEntryAt: checkpoint.rows[0]?.oldest ?? null,
      activeSigningKeyCreatedAt: signingKey.rows[0]?.created_at ?? null,
      lastAuditorExportAt: auditorExport.rows[0]?.created_at ?? null,
      retention: {
        settings: retentionSettings(org.rows[0]?.settings),
        lastSweepAt: sweeps.rows[0]?.last ?? null,
        sweeps: Number(sweeps.rows[0]?.n ?? 0),
        entriesSwept: Number(sweeps.rows[0]?.entries ?? 0),
      },
    },
  };
}
