import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ARTICLE12_CONTEXT_TYPES, Article12Builder, describeRetention, nearestRank, renderArticle12Html, retentionSettings, type ReportEntry } from "../src/index";
import { figuresOf, recount, type Entry } from "./article12-recount";

// The Article 12 report's fold against a plain recount over generated logs: members joining, changing role and leaving,
// policies published and archived, agents created and delegated, decisions of every status (some held for a person and
// ended before, in or after the period), votes by any channel and role, outcomes, incidents and erasures — with the
// period's edges anywhere in them. Every figure equals the recount's, whatever the log and wherever the period falls.

const T0 = Date.parse("2026-01-01T00:00:00.000Z");
const MEMBERS = ["mem_a", "mem_b", "mem_c", "mem_d"];
const AGENTS = ["agt_a", "agt_b", "agt_c"];
const POLICIES = ["pol_a", "pol_b", "pol_c"];
const ROLES = ["owner", "admin", "approver", "auditor", "viewer"] as const;
const REASONS = ["NO_POLICY", "CONDITIONS_DENIED", "BUDGET_EXCEEDED", "AGENT_HALTED", "DENIED_BY_REVIEWER"] as const;

/** One step of a log: what happens, with a delay in ms before it (0: the same millisecond as the previous entry). */
const step = fc.record({
  // Mostly forward; now and then back (two API processes' clocks a little apart write entries out of time order).
  delay: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 3_000 }) }, { weight: 1, arbitrary: fc.integer({ min: -2_000, max: -1 }) }),
  kind: fc.constantFrom("member", "role", "leave", "publish", "archive", "agent", "delegate", "decide", "decide", "decide", "vote", "end", "end", "outcome", "incident", "erase"),
  pick: fc.nat({ max: 1_000 }),
  flag: fc.boolean(),
  other: fc.boolean(),
});

const INCIDENTS = [
  "agent.halted",
  "agent.resumed",
  "agent.circuit_opened",
  "agent.anomaly_detected",
  "agent.loop_detected",
  "agent.unresponsive",
  "budget.exceeded",
  "action.postcondition_violated",
];

/** A log from the steps, in sequence order; times mostly go forward. */
function logOf(steps: Array<fc.RecordValue<{ delay: number; kind: string; pick: number; flag: boolean; other: boolean }>>): Entry[] {
  const entries: Entry[] = [];
  const pending: string[] = [];
  const actions: string[] = [];
  let time = T0;
  for (const [i, s] of steps.entries()) {
    time += s.delay;
    const at = <T>(list: readonly T[]) => list[s.pick % list.length]!;
    const base = { seq: i, time: new Date(time).toISOString(), agentId: null as string | null, subjectId: null as string | null };
    const member = { type: "member", id: at(MEMBERS) };
    const agentId = at(AGENTS);
    switch (s.kind) {
      case "member":
        entries.push({ ...base, type: s.flag ? "member.added" : "member.joined", actor: member, subjectId: at(MEMBERS), data: { userId: "usr", email: "e", role: at(ROLES) } });
        break;
      case "role":
        entries.push({
          ...base,
          type: "member.role_changed",
          actor: member,
          subjectId: at(MEMBERS),
          data: { userId: "usr", email: "e", from: "viewer", to: at([...ROLES].reverse()) },
        });
        break;
      case "leave":
        entries.push({ ...base, type: s.flag ? "member.removed" : "member.left", actor: member, subjectId: at(MEMBERS), data: { userId: "usr", email: "e", role: "viewer" } });
        break;
      case "publish":
        entries.push({
          ...base,
          type: "policy.version_published",
          actor: member,
          data: { policyId: at(POLICIES), name: `policy-${at(POLICIES)}`, version: s.pick, contentHash: `h${s.pick}` },
        });
        break;
      case "archive":
        entries.push({ ...base, type: "policy.archived", actor: member, data: { policyId: at(POLICIES), name: `policy-${at(POLICIES)}`, version: s.pick } });
        break;
      case "agent":
        entries.push({
          ...base,
          type: "agent.created",
          actor: member,
          agentId,
          subjectId: agentId,
          data: s.flag ? { name: agentId, labels: {}, system: true } : { name: agentId, labels: {} },
        });
        break;
      case "delegate":
        entries.push({ ...base, type: "delegation.created", actor: { type: "agent", id: agentId }, agentId, data: { childAgentId: `agt_child${s.pick % 4}` } });
        break;
      case "decide": {
        const status = at(["executed", "executed", "denied", "requested"]);
        const actionId = `act_${i}`;
        const data: Record<string, unknown> = {
          actionId,
          agentName: `name-${agentId}`,
          actionType: s.other ? "llm.openai.gpt-4o-mini" : s.flag ? "llm.mistral.large" : "pr.open",
          status,
          mode: s.pick % 7 === 0 ? "monitor" : "enforce",
        };
        if (status === "denied") data.denialReason = at(REASONS);
        if (status === "requested") {
          data.approvalId = `apr_${i}`;
          pending.push(`apr_${i}`);
        }
        if (status === "executed") actions.push(actionId);
        if (s.pick % 3 === 0) data.reservation = { tokens: 1, micros: 1, budgets: [] };
        else if (s.pick % 5 === 0) data.budget = { name: "b" };
        if (s.pick % 4 === 0) data.grant = { id: "grt" };
        if (s.pick % 6 === 0) data.findings = [{ detector: "email", class: s.flag ? "personalData" : "secrets", path: "metadata.x", action: s.other ? "redacted" : "flagged" }];
        entries.push({ ...base, type: "action.decided", actor: { type: "agent", id: agentId }, agentId, data });
        break;
      }
      case "vote": {
        const approvalId = pending.length > 0 ? at(pending) : "apr_none";
        entries.push({
          ...base,
          type: "approval.vote",
          actor: s.other ? { type: "adminKey", id: "key_x" } : member,
          data: {
            approvalId,
            decision: s.flag ? "approve" : "deny",
            member: { id: at(MEMBERS), email: "e" },
            ...(s.pick % 3 === 0 ? { via: at(["slack", "email", "console"]) } : {}),
            ...(s.pick % 5 === 0 ? { onBehalfOf: { id: "mem_x", email: "e" } } : {}),
          },
        });
        break;
      }
      case "end": {
        if (pending.length === 0) {
          entries.push({ ...base, type: "approval.vote_refused", actor: member, data: { reason: "requester" } });
          break;
        }
        const approvalId = pending.splice(s.pick % pending.length, 1)[0]!;
        const status = at(["approved", "denied", "expired", "cancelled"]);
        const type = status === "expired" ? "approval.expired" : status === "cancelled" ? "approval.cancelled" : "approval.decided";
        entries.push({ ...base, type, actor: member, data: { approvalId, actionId: "act", actionType: "pr.merge", status } });
        break;
      }
      case "outcome": {
        const actionId = actions.length > 0 && s.flag ? at(actions) : `act_unknown${i}`;
        entries.push({
          ...base,
          type: "action.outcome",
          actor: { type: "agent", id: agentId },
          agentId,
          data: {
            actionId,
            status: "success",
            ...(s.other ? { usage: { model: "m", inputTokens: 1, outputTokens: 1 } } : {}),
            ...(s.pick % 4 === 0 ? { findings: [{ detector: "x", class: "secrets", path: "message", action: "redacted" }] } : {}),
          },
        });
        break;
      }
      case "incident":
        entries.push({ ...base, type: at(INCIDENTS), actor: { type: "system", id: "sys" }, agentId, data: {} });
        break;
      case "erase":
        entries.push({
          ...base,
          type: "audit.erased",
          actor: member,
          data: { entries: Array.from({ length: 1 + (s.pick % 3) }, (_, k) => ({ seq: k, fields: ["metadata"] })), reason: "r" },
        });
        break;
    }
  }
  return entries;
}

/** The report as the service folds it: the scene before the period, the period, then the requests it ended but did not hold. */
function foldOf(log: Entry[], from: string, to: string) {
  const builder = new Article12Builder({
    org: { id: "org_x", slug: "x", name: "X" },
    period: { from, to },
    generatedAt: to,
    generatedBy: { type: "member", id: "mem_a", role: "owner" },
    checkpoint: { origin: "gatehouse/org_x", treeSize: log.length, rootHash: "00", note: "n", keyId: "k", signedAt: to },
    lastVerification: null,
    retention: { settings: retentionSettings({}), rule: describeRetention([]) },
  });
  const context = new Set<string>(ARTICLE12_CONTEXT_TYPES);
  // In seq order, each entry placed by its own time, as the service reads the log.
  for (const entry of log) {
    if (entry.time < from) {
      if (context.has(entry.type)) builder.context(entry as ReportEntry);
    } else if (entry.time < to) builder.add(entry as ReportEntry);
  }
  const requested = new Map(log.filter((e) => e.type === "action.decided" && e.data.approvalId).map((e) => [e.data.approvalId as string, e.time]));
  builder.resolveRequests(new Map(builder.unresolvedRequests().map((id) => [id, requested.get(id)!])));
  return builder.build();
}

describe("the Article 12 fold", () => {
  it("equals a plain recount over any log, wherever the period falls", () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 120 }), fc.nat(), fc.nat(), (steps, a, b) => {
        const log = logOf(steps);
        const times = log.map((e) => Date.parse(e.time));
        const span = Math.max(...times) - T0 + 2;
        // Edges anywhere from before the first entry to after the last, on an entry's own millisecond or between.
        const [lo, hi] = [a % (span + 1), b % (span + 1)].sort((x, y) => x - y) as [number, number];
        const from = new Date(T0 - 1 + lo).toISOString();
        const to = new Date(T0 - 1 + hi + 1).toISOString();
        const report = foldOf(log, from, to);
        expect(figuresOf(report)).toEqual(recount(log, log.length, from, to));
      }),
      { numRuns: 500, seed: 1226 },
    );
  });

  it("takes the nearest rank for percentiles", () => {
    expect(nearestRank([], 0.5)).toBeNull();
    expect(nearestRank([4], 0.9)).toBe(4);
    expect(nearestRank([1, 2, 3, 4], 0.5)).toBe(2);
    expect(nearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
  });

  it("renders a page with no markup from the report's values", () => {
    const report = foldOf(
      [
        {
          seq: 0,
          type: "policy.version_published",
          time: new Date(T0).toISOString(),
          actor: { type: "member", id: "m" },
          agentId: null,
          subjectId: null,
          data: { policyId: "p", name: "</td><script>x()</script>", version: 1, contentHash: "h" },
        },
        {
          seq: 1,
          type: "action.decided",
          time: new Date(T0 + 1).toISOString(),
          actor: { type: "agent", id: "a" },
          agentId: "a",
          subjectId: null,
          data: { actionId: "x", agentName: '"><svg onload=x()>', status: "denied", denialReason: "<b>" },
        },
      ],
      new Date(T0 - 1).toISOString(),
      new Date(T0 + 10).toISOString(),
    );
    const html = renderArticle12Html(report);
    expect(html).not.toMatch(/<script|<svg|<b>/);
    expect(html).toContain("&lt;/td&gt;&lt;script&gt;x()&lt;/script&gt;");
    expect(html).toContain("&quot;&gt;&lt;svg onload=x()&gt;");
  });
});
