import type { Article12Report } from "../src/reports/article12";

// The Article 12 report's figures counted again, independently of its fold (core's Article12Builder), from a log's
// entries as an export carries them: written plainly, one filter per figure, so a reader can check each by eye. The
// API's acceptance test runs it over a real export; the property test over generated logs.

/** An entry as its canonical text reads. */
export interface Entry {
  seq: number;
  type: string;
  time: string;
  actor: { type: string; id: string };
  agentId: string | null;
  subjectId: string | null;
  data: EntryData;
}

/** The fields of an entry's data the recount reads (each entry type has some of them). */
export interface EntryData {
  status?: string;
  denialReason?: string;
  mode?: string;
  grant?: unknown;
  reservation?: unknown;
  budget?: unknown;
  approvalId?: string;
  actionId?: string;
  actionType?: string;
  agentName?: string;
  decision?: string;
  member?: { id: string; email?: string };
  via?: string;
  onBehalfOf?: unknown;
  role?: string;
  from?: string;
  to?: string;
  policyId?: string;
  name?: string;
  version?: number;
  contentHash?: string;
  system?: boolean;
  childAgentId?: string;
  findings?: Array<{ class: string; action: string; detector?: string; path?: string }>;
  usage?: unknown;
  entries?: unknown[];
  [other: string]: unknown;
}

const tally = (keys: readonly string[]) => {
  const counts: Record<string, number> = {};
  for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
};
const rank = (sorted: number[], p: number) => (sorted.length === 0 ? null : sorted[Math.ceil(p * sorted.length) - 1]!);

/** The report's figures, counted again from the bundle's entries below the report's checkpoint. */
export function recount(all: Entry[], treeSize: number, from: string, to: string) {
  const below = all.filter((e) => e.seq < treeSize);
  const inPeriod = below.filter((e) => e.time >= from && e.time < to);
  const before = below.filter((e) => e.time < from);
  const upToEnd = below.filter((e) => e.time < to);
  const of = (type: string) => inPeriod.filter((e) => e.type === type);
  const decided = of("action.decided");
  const executed = decided.filter((e) => e.data.status === "executed");

  // Roles as the log says, replayed in order up to each vote.
  const roles = new Map<string, string>();
  const byRole: string[] = [];
  for (const e of upToEnd) {
    if ((e.type === "member.added" || e.type === "member.joined") && e.subjectId) roles.set(e.subjectId, e.data.role!);
    if (e.type === "member.role_changed" && e.subjectId) roles.set(e.subjectId, e.data.to!);
    if ((e.type === "member.removed" || e.type === "member.left") && e.subjectId) roles.delete(e.subjectId);
    if (e.type === "approval.vote" && e.time >= from) byRole.push(roles.get(e.data.member!.id) ?? "unrecorded");
  }
  // Policies live: replayed publications and archivings.
  const live = (entries: Entry[]) => {
    const policies = new Map<string, { name: string; version: number; contentHash: string }>();
    for (const e of entries) {
      if (e.type === "policy.version_published") policies.set(e.data.policyId!, { name: e.data.name!, version: e.data.version!, contentHash: e.data.contentHash! });
      if (e.type === "policy.archived") policies.delete(e.data.policyId!);
    }
    return policies;
  };
  const requestedAt = new Map(below.filter((e) => e.type === "action.decided" && e.data.approvalId).map((e) => [e.data.approvalId as string, Date.parse(e.time)]));
  const ended = inPeriod.filter((e) => e.type === "approval.decided");
  const timed = ended.filter((e) => requestedAt.has(e.data.approvalId!));
  // A decision before its request (clocks of two processes apart) reads as 0 s.
  const seconds = timed.map((e) => Math.max(0, Date.parse(e.time) - requestedAt.get(e.data.approvalId!)!) / 1000).sort((a, b) => a - b);
  const findings = inPeriod.filter((e) => e.type === "action.decided" || e.type === "action.outcome").flatMap((e) => e.data.findings ?? []);
  const registered = new Set(upToEnd.flatMap((e) => (e.type === "agent.created" && !e.data.system ? [e.subjectId] : e.type === "delegation.created" ? [e.data.childAgentId] : [])));
  const votes = of("approval.vote");
  const swept = of("audit.erased").filter((e) => e.actor.type === "system" && e.actor.id === "retention");
  const people = of("audit.erased").filter((e) => !swept.includes(e));
  return {
    entries: { inPeriod: inPeriod.length, firstSeq: inPeriod[0]?.seq ?? null, lastSeq: inPeriod.at(-1)?.seq ?? null },
    agents: { registered: registered.size, acted: new Set(decided.map((e) => e.agentId)).size },
    decisions: {
      total: decided.length,
      executed: executed.length,
      denied: decided.filter((e) => e.data.status === "denied").length,
      requested: decided.filter((e) => e.data.status === "requested").length,
      monitorMode: decided.filter((e) => e.data.mode === "monitor").length,
      underStandingGrant: decided.filter((e) => e.data.grant).length,
      byDenialReason: tally(decided.filter((e) => e.data.status === "denied").map((e) => e.data.denialReason ?? "UNSPECIFIED")),
    },
    oversight: {
      requested: decided.filter((e) => e.data.status === "requested").length,
      approved: ended.filter((e) => e.data.status === "approved").length,
      denied: ended.filter((e) => e.data.status === "denied").length,
      expired: of("approval.expired").length,
      cancelled: of("approval.cancelled").length,
      votes: {
        total: votes.length,
        approve: votes.filter((e) => e.data.decision === "approve").length,
        deny: votes.filter((e) => e.data.decision === "deny").length,
        onBehalfOf: votes.filter((e) => e.data.onBehalfOf).length,
        byRole: tally(byRole),
        byChannel: tally(votes.map((e) => e.data.via ?? (e.actor.type === "adminKey" ? "api" : "console"))),
      },
      refusedVotes: of("approval.vote_refused").length,
      decisionSeconds: { count: seconds.length, untimed: ended.length - timed.length, median: rank(seconds, 0.5), p90: rank(seconds, 0.9), max: seconds.at(-1) ?? null },
    },
    policies: {
      inForceAtStart: live(before).size,
      inForceAtEnd: [...live(upToEnd).values()].map(({ name, version, contentHash }) => ({ name, version, contentHash })).sort((a, b) => a.name.localeCompare(b.name)),
      changes: inPeriod.filter((e) => e.type === "policy.version_published" || e.type === "policy.archived").map((e) => e.seq),
    },
    incidents: {
      halts: of("agent.halted").length,
      resumes: of("agent.resumed").length,
      circuitTrips: of("agent.circuit_opened").length,
      anomalies: of("agent.anomaly_detected").length,
      loops: of("agent.loop_detected").length,
      unresponsive: of("agent.unresponsive").length,
      budgetRefusals: decided.filter((e) => e.data.denialReason === "BUDGET_EXCEEDED").length,
      budgetsExceeded: of("budget.exceeded").length,
      postconditionViolations: of("action.postcondition_violated").length,
      contentFindings: { total: findings.length, byClass: tally(findings.map((f) => f.class)), byAction: tally(findings.map((f) => f.action)) },
    },
    retention: {
      erasures: people.length,
      entriesErased: people.reduce((n, e) => n + (e.data.entries ?? []).length, 0),
      sweeps: swept.length,
      entriesSwept: swept.reduce((n, e) => n + (e.data.entries ?? []).length, 0),
    },
    coverage: {
      agentsWithDecisions: new Set(decided.map((e) => e.agentId)).size,
      agentsRegistered: registered.size,
      actionsExecuted: executed.length,
      outcomesReported: of("action.outcome").length,
      modelCalls: {
        decided: decided.filter((e) => e.data.reservation || e.data.budget).length,
        throughWrapper: decided.filter((e) => (e.data.reservation || e.data.budget) && /^llm\.(openai|anthropic)\./.test(e.data.actionType ?? "")).length,
        withUsageReported: of("action.outcome").filter((e) => e.data.usage).length,
      },
    },
  };
}

/** The report's figures in the recount's shape. */
export function figuresOf(report: Article12Report) {
  const { about: _a, list: _l, ...agents } = report.agents;
  const { about: _d, ...decisions } = report.decisions;
  const { about: _o, ...oversight } = report.oversight;
  const { about: _i, ...incidents } = report.incidents;
  const { about: _c, ...coverage } = report.coverage;
  const { about: _e, ...entries } = report.entries;
  return {
    entries,
    agents,
    decisions,
    oversight,
    policies: {
      inForceAtStart: report.policies.inForceAtStart,
      inForceAtEnd: report.policies.inForceAtEnd.map(({ name, version, contentHash }) => ({ name, version, contentHash })),
      changes: report.policies.changes.map((c) => c.seq),
    },
    incidents,
    retention: { erasures: report.retention.erasures, entriesErased: report.retention.entriesErased, sweeps: report.retention.sweeps, entriesSwept: report.retention.entriesSwept },
    coverage,
  };
}
