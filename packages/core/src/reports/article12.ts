import type { RetentionSettings } from "../audit/retention";
import type { MemberRole } from "../permissions";

/**
 * The Article 12 evidence report (docs/reports.md): what an org's audit log shows about a period,
 * folded from its entries in log order. Pure: the same entries give the same report, and every count
 * is a count of entries a reader of the export can make again (the acceptance test does, over a
 * bundle). It states what it is: evidence drawn from the log, not a claim of compliance.
 *
 * The fold takes the entries before the period that set the scene (`context`: who held which role,
 * which policies were live, which agents existed) and then every entry of the period (`add`), in
 * sequence order; approvals decided in the period whose request came before it are named by
 * `unresolvedRequests` and their request times given back with `resolveRequests`.
 */

/** An entry as the fold reads it: its canonical text's fields (`time` ISO 8601, as hashed). */
export interface ReportEntry {
  seq: number;
  type: string;
  time: string;
  actor: { type: string; id: string; memberId?: string };
  agentId: string | null;
  subjectId: string | null;
  data: Record<string, unknown>;
}

/** What a figure or a section can show, and what it cannot: read with the figures, never without. */
export interface ReportNote {
  shows: string;
  cannotShow: string;
}

export interface Article12Checkpoint {
  origin: string;
  treeSize: number;
  rootHash: string;
  note: string;
  keyId: string;
  signedAt: string;
}

export interface Article12AgentRow {
  agentId: string;
  name: string;
  decisions: number;
  executed: number;
  denied: number;
  requested: number;
}

export interface Article12PolicyRow {
  policyId: string;
  name: string;
  version: number;
  contentHash: string;
}

export interface Article12PolicyChange {
  seq: number;
  time: string;
  change: "published" | "archived";
  policyId: string;
  name: string;
  version: number;
}

export interface Article12Report {
  report: "article12";
  version: 1;
  statement: string;
  org: { id: string; slug: string; name: string };
  period: { from: string; to: string };
  generatedAt: string;
  generatedBy: { type: "member" | "adminKey"; id: string; role: MemberRole | null };
  entries: { inPeriod: number; firstSeq: number | null; lastSeq: number | null; about: ReportNote };
  agents: { registered: number; acted: number; list: Article12AgentRow[]; about: ReportNote };
  decisions: {
    total: number;
    executed: number;
    denied: number;
    requested: number;
    monitorMode: number;
    underStandingGrant: number;
    byDenialReason: Record<string, number>;
    about: ReportNote;
  };
  oversight: {
    requested: number;
    approved: number;
    denied: number;
    expired: number;
    cancelled: number;
    votes: { total: number; approve: number; deny: number; onBehalfOf: number; byRole: Record<string, number>; byChannel: Record<string, number> };
    refusedVotes: number;
    decisionSeconds: { count: number; untimed: number; median: number | null; p90: number | null; max: number | null };
    about: ReportNote;
  };
  policies: { inForceAtStart: number; inForceAtEnd: Article12PolicyRow[]; changes: Article12PolicyChange[]; about: ReportNote };
  incidents: {
    halts: number;
    resumes: number;
    circuitTrips: number;
    anomalies: number;
    loops: number;
    unresponsive: number;
    budgetRefusals: number;
    budgetsExceeded: number;
    postconditionViolations: number;
    contentFindings: { total: number; byClass: Record<string, number>; byAction: Record<string, number> };
    about: ReportNote;
  };
  integrity: {
    checkpoint: Article12Checkpoint;
    lastVerification: { at: string; valid: boolean } | null;
    about: ReportNote;
  };
  retention: { rule: string; settings: RetentionSettings; erasures: number; entriesErased: number; sweeps: number; entriesSwept: number; about: ReportNote };
  coverage: {
    agentsWithDecisions: number;
    agentsRegistered: number;
    actionsExecuted: number;
    outcomesReported: number;
    modelCalls: { decided: number; throughWrapper: number; withUsageReported: number };
    about: ReportNote;
  };
}

/** The longest period one report covers: a year and a day (a leap year and a time zone's edge). */
export const REPORT_MAX_DAYS = 367;

export const ARTICLE12_STATEMENT =
  "This report is evidence drawn from the organization's Gatehouse audit log for the period it names. It is not a claim, certification or assessment of compliance with Regulation (EU) 2024/1689 (the AI Act), its Article 12 or any other law: whether a system meets its record-keeping duties depends on the system, its purpose and its deployment, which the log does not describe. Each figure counts entries of the log, which a reader can recount from an export of it, and each section says what it can and cannot show.";

/** The action types the model-client wrappers decide (docs/model-clients.md): `llm.openai.<model>`, `llm.anthropic.<model>`. */
export const WRAPPED_MODEL_CALL = /^llm\.(openai|anthropic)\./;

export const ARTICLE12_NOTES = {
  entries: {
    shows: "How many entries the log holds for the period (by the time each was written), and their positions in the log.",
    cannotShow: "Events that never reached Gatehouse: an action an agent took without asking is not in the log.",
  },
  agents: {
    shows: "Agents registered by the end of the period (created with a key, or delegated), and those that asked for at least one decision in it.",
    cannotShow: "Whether an agent acted outside Gatehouse, or which person or system runs it.",
  },
  decisions: {
    shows:
      "Every decision on an agent's action in the period: executed (allowed), denied (with the reason code) or requested (held for a person); those decided in monitor mode and those let through by a standing grant.",
    cannotShow: "Whether an allowed action then ran as intended: that is the outcome an agent reports (see coverage).",
  },
  oversight: {
    shows:
      "Actions held for a person, how those approvals ended in the period, the votes cast (by the voter's role as the log recorded it, and by channel) and the time from request to decision (nearest-rank median and 90th percentile, in seconds; an approval whose request the log no longer names counts as untimed).",
    cannotShow:
      "How closely a person examined an action before deciding, or decisions made outside Gatehouse. A role reads `unrecorded` when the log holds no entry of the member's joining.",
  },
  policies: {
    shows:
      "The policy versions live at the end of the period (name, version and content hash, which match the published documents in the log) and each publication or archiving in it.",
    cannotShow: "Whether the policies are adequate for the risks of the system.",
  },
  incidents: {
    shows:
      "Agents halted and resumed, circuit breakers opened, anomalies and loops detected, agents that stopped answering, calls refused by a budget and budgets first exceeded, post-conditions broken, and content findings (secrets and personal data) by class and by what was done, never the values.",
    cannotShow: "Incidents Gatehouse cannot see (what an agent did without asking), or their cause and impact.",
  },
  integrity: {
    shows:
      "The signed checkpoint this report covers (its tree size and root hash, which the export's own checkpoint and an offline verification confirm) and the latest full verification of the log on the server.",
    cannotShow: "That the log is complete before the first checkpoint an auditor kept: keep the checkpoints you are given and check that later ones are consistent with them.",
  },
  retention: {
    shows:
      "How long the log keeps the values of erasable fields (the org's retention settings when the report was produced), the erasures owners recorded in the period and the worker's retention sweeps (each an `audit.erased` entry; the log still verifies after them).",
    cannotShow: "The values that were erased.",
  },
  coverage: {
    shows:
      "Agents with decisions against agents registered; outcomes reported against actions executed; model calls decided (calls that declared their spend: reserved against a budget, or refused or held by one), through the OpenAI and Anthropic wrappers (their action types), and with the provider's usage reported.",
    cannotShow: "Model or tool calls made through a client or a path that does not ask Gatehouse; a call declared by hand with a wrapper's action type counts as wrapped.",
  },
} as const satisfies Record<string, ReportNote>;

/** The entry types read from before the period: the scene the period starts in. */
export const ARTICLE12_CONTEXT_TYPES = [
  "member.added",
  "member.joined",
  "member.role_changed",
  "member.removed",
  "member.left",
  "policy.version_published",
  "policy.archived",
  "agent.created",
  "delegation.created",
] as const;

/** The nearest-rank percentile of sorted values (the value at rank ⌈p·n⌉). */
export function nearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? null;
}

const increment = (counts: Record<string, number>, key: string, by = 1) => {
  counts[key] = (counts[key] ?? 0) + by;
};
const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === "number" ? value : undefined);

export interface Article12Scene {
  org: Article12Report["org"];
  period: Article12Report["period"];
  generatedAt: string;
  generatedBy: Article12Report["generatedBy"];
  checkpoint: Article12Checkpoint;
  lastVerification: Article12Report["integrity"]["lastVerification"];
  /** The org's retention settings now, and the sentence that says them (core's describeRetention). */
  retention: { settings: RetentionSettings; rule: string };
}

/** The fold: `context` the entries before the period (of ARTICLE12_CONTEXT_TYPES), then `add` each entry of it, in sequence order. */
export class Article12Builder {
  private readonly roles = new Map<string, MemberRole>();
  private readonly policies = new Map<string, Article12PolicyRow>();
  private readonly registered = new Set<string>();
  /** The policies live at the period's start: the scene's entries before it alone (they may come after some of the period's in the log, by clock skew). */
  private readonly policiesAtStart = new Set<string>();

  private readonly entries = { inPeriod: 0, firstSeq: null as number | null, lastSeq: null as number | null };
  private readonly agents = new Map<string, Article12AgentRow>();
  private readonly decisions = { total: 0, executed: 0, denied: 0, requested: 0, monitorMode: 0, underStandingGrant: 0, byDenialReason: {} as Record<string, number> };
  private readonly requestTimes = new Map<string, number>();
  private readonly endings: Array<{ approvalId: string; at: number }> = [];
  private readonly oversight = {
    requested: 0,
    approved: 0,
    denied: 0,
    expired: 0,
    cancelled: 0,
    votes: { total: 0, approve: 0, deny: 0, onBehalfOf: 0, byRole: {} as Record<string, number>, byChannel: {} as Record<string, number> },
    refusedVotes: 0,
  };
  private readonly changes: Article12PolicyChange[] = [];
  private readonly incidents = {
    halts: 0,
    resumes: 0,
    circuitTrips: 0,
    anomalies: 0,
    loops: 0,
    unresponsive: 0,
    budgetRefusals: 0,
    budgetsExceeded: 0,
    postconditionViolations: 0,
    contentFindings: { total: 0, byClass: {} as Record<string, number>, byAction: {} as Record<string, number> },
  };
  private readonly retention = { erasures: 0, entriesErased: 0, sweeps: 0, entriesSwept: 0 };
  private outcomesReported = 0;
  private readonly modelCalls = { decided: 0, throughWrapper: 0, withUsageReported: 0 };

  constructor(private readonly scene: Article12Scene) {}

  /** An entry from before the period: it changes the scene (roles, live policies, agents), no figure. */
  context(entry: ReportEntry): void {
    this.scene_(entry, false);
    const policyId = str(entry.data.policyId);
    if (entry.type === "policy.version_published" && policyId) this.policiesAtStart.add(policyId);
    if (entry.type === "policy.archived" && policyId) this.policiesAtStart.delete(policyId);
  }

  /** An entry of the period. */
  add(entry: ReportEntry): void {
    this.entries.inPeriod += 1;
    this.entries.firstSeq ??= entry.seq;
    this.entries.lastSeq = entry.seq;
    this.scene_(entry, true);
    const { data } = entry;
    switch (entry.type) {
      case "action.decided":
        this.decided(entry);
        break;
      case "action.outcome": {
        this.outcomesReported += 1;
        const usage = data.usage as Record<string, unknown> | undefined;
        if (usage && typeof usage === "object") this.modelCalls.withUsageReported += 1;
        this.findings(data.findings);
        break;
      }
      case "approval.vote": {
        const votes = this.oversight.votes;
        votes.total += 1;
        if (data.decision === "approve") votes.approve += 1;
        else votes.deny += 1;
        if (data.onBehalfOf) votes.onBehalfOf += 1;
        const voter = str((data.member as Record<string, unknown> | undefined)?.id);
        increment(votes.byRole, (voter && this.roles.get(voter)) || "unrecorded");
        increment(votes.byChannel, str(data.via) ?? (entry.actor.type === "adminKey" ? "api" : "console"));
        break;
      }
      case "approval.vote_refused":
        this.oversight.refusedVotes += 1;
        break;
      case "approval.decided":
      case "approval.expired":
      case "approval.cancelled": {
        const status = str(data.status);
        if (status === "approved" || status === "denied" || status === "expired" || status === "cancelled") this.oversight[status] += 1;
        const approvalId = str(data.approvalId);
        if (approvalId && (status === "approved" || status === "denied")) this.endings.push({ approvalId, at: Date.parse(entry.time) });
        break;
      }
      case "agent.halted":
        this.incidents.halts += 1;
        break;
      case "agent.resumed":
        this.incidents.resumes += 1;
        break;
      case "agent.circuit_opened":
        this.incidents.circuitTrips += 1;
        break;
      case "agent.anomaly_detected":
        this.incidents.anomalies += 1;
        break;
      case "agent.loop_detected":
        this.incidents.loops += 1;
        break;
      case "agent.unresponsive":
        this.incidents.unresponsive += 1;
        break;
      case "budget.exceeded":
        this.incidents.budgetsExceeded += 1;
        break;
      case "action.postcondition_violated":
        this.incidents.postconditionViolations += 1;
        break;
      case "audit.erased": {
        // The worker's retention sweeps apart from the erasures people asked for.
        const entries = Array.isArray(data.entries) ? data.entries.length : 0;
        if (entry.actor.type === "system" && entry.actor.id === "retention") {
          this.retention.sweeps += 1;
          this.retention.entriesSwept += entries;
        } else {
          this.retention.erasures += 1;
          this.retention.entriesErased += entries;
        }
        break;
      }
    }
  }

  private decided(entry: ReportEntry): void {
    const { data } = entry;
    const status = str(data.status);
    const d = this.decisions;
    d.total += 1;
    if (data.mode === "monitor") d.monitorMode += 1;
    if (data.grant) d.underStandingGrant += 1;
    const agentId = entry.agentId ?? entry.actor.id;
    const row = this.agents.get(agentId) ?? { agentId, name: str(data.agentName) ?? agentId, decisions: 0, executed: 0, denied: 0, requested: 0 };
    row.name = str(data.agentName) ?? row.name;
    row.decisions += 1;
    this.agents.set(agentId, row);
    if (status === "executed") {
      d.executed += 1;
      row.executed += 1;
    } else if (status === "denied") {
      d.denied += 1;
      row.denied += 1;
      const reason = str(data.denialReason) ?? "UNSPECIFIED";
      increment(d.byDenialReason, reason);
      if (reason === "BUDGET_EXCEEDED") this.incidents.budgetRefusals += 1;
    } else if (status === "requested") {
      d.requested += 1;
      row.requested += 1;
      this.oversight.requested += 1;
      const approvalId = str(data.approvalId);
      if (approvalId) this.requestTimes.set(approvalId, Date.parse(entry.time));
    }
    // A model call declares its spend: it reserved against budgets, or a budget refused or held it.
    if (data.reservation || data.budget) {
      this.modelCalls.decided += 1;
      if (WRAPPED_MODEL_CALL.test(str(data.actionType) ?? "")) this.modelCalls.throughWrapper += 1;
    }
    this.findings(data.findings);
  }

  private findings(findings: unknown): void {
    if (!Array.isArray(findings)) return;
    const content = this.incidents.contentFindings;
    for (const finding of findings as Array<Record<string, unknown>>) {
      content.total += 1;
      increment(content.byClass, str(finding.class) ?? "unknown");
      increment(content.byAction, str(finding.action) ?? "unknown");
    }
  }

  /** The scene's own entries, before or in the period. */
  private scene_(entry: ReportEntry, inPeriod: boolean): void {
    const { data } = entry;
    switch (entry.type) {
      case "member.added":
      case "member.joined": {
        const role = str(data.role) as MemberRole | undefined;
        if (entry.subjectId && role) this.roles.set(entry.subjectId, role);
        break;
      }
      case "member.role_changed": {
        const role = str(data.to) as MemberRole | undefined;
        if (entry.subjectId && role) this.roles.set(entry.subjectId, role);
        break;
      }
      case "member.removed":
      case "member.left":
        if (entry.subjectId) this.roles.delete(entry.subjectId);
        break;
      case "policy.version_published": {
        const policyId = str(data.policyId);
        const name = str(data.name);
        const version = num(data.version);
        if (!policyId || name === undefined || version === undefined) break;
        this.policies.set(policyId, { policyId, name, version, contentHash: str(data.contentHash) ?? "" });
        if (inPeriod) this.changes.push({ seq: entry.seq, time: entry.time, change: "published", policyId, name, version });
        break;
      }
      case "policy.archived": {
        const policyId = str(data.policyId);
        if (!policyId) break;
        this.policies.delete(policyId);
        if (inPeriod) this.changes.push({ seq: entry.seq, time: entry.time, change: "archived", policyId, name: str(data.name) ?? "", version: num(data.version) ?? 0 });
        break;
      }
      case "agent.created":
        if (data.system !== true) this.registered.add(entry.subjectId ?? entry.agentId ?? entry.actor.id);
        break;
      case "delegation.created": {
        const child = str(data.childAgentId);
        if (child) this.registered.add(child);
        break;
      }
    }
  }

  /** Approvals ended in the period whose request was not among its entries (it came before `from`). */
  unresolvedRequests(): string[] {
    return [...new Set(this.endings.filter((e) => !this.requestTimes.has(e.approvalId)).map((e) => e.approvalId))];
  }

  /** The request times (ISO 8601) of approvals requested before the period, by approval id. */
  resolveRequests(times: ReadonlyMap<string, string>): void {
    for (const [approvalId, time] of times) if (!this.requestTimes.has(approvalId)) this.requestTimes.set(approvalId, Date.parse(time));
  }

  build(): Article12Report {
    const { scene } = this;
    const seconds = this.endings
      .flatMap(({ approvalId, at }) => {
        const requested = this.requestTimes.get(approvalId);
        return requested === undefined ? [] : [Math.max(0, at - requested) / 1000];
      })
      .sort((a, b) => a - b);
    const agents = [...this.agents.values()].sort((a, b) => b.decisions - a.decisions || a.name.localeCompare(b.name) || a.agentId.localeCompare(b.agentId));
    return {
      report: "article12",
      version: 1,
      statement: ARTICLE12_STATEMENT,
      org: scene.org,
      period: scene.period,
      generatedAt: scene.generatedAt,
      generatedBy: scene.generatedBy,
      entries: { ...this.entries, about: ARTICLE12_NOTES.entries },
      agents: { registered: this.registered.size, acted: this.agents.size, list: agents, about: ARTICLE12_NOTES.agents },
      decisions: { ...this.decisions, byDenialReason: sortedCounts(this.decisions.byDenialReason), about: ARTICLE12_NOTES.decisions },
      oversight: {
        ...this.oversight,
        votes: { ...this.oversight.votes, byRole: sortedCounts(this.oversight.votes.byRole), byChannel: sortedCounts(this.oversight.votes.byChannel) },
        decisionSeconds: {
          count: seconds.length,
          untimed: this.endings.length - seconds.length,
          median: nearestRank(seconds, 0.5),
          p90: nearestRank(seconds, 0.9),
          max: seconds.at(-1) ?? null,
        },
        about: ARTICLE12_NOTES.oversight,
      },
      policies: {
        inForceAtStart: this.policiesAtStart.size,
        inForceAtEnd: [...this.policies.values()].sort((a, b) => a.name.localeCompare(b.name) || a.policyId.localeCompare(b.policyId)),
        changes: this.changes,
        about: ARTICLE12_NOTES.policies,
      },
      incidents: {
        ...this.incidents,
        contentFindings: {
          total: this.incidents.contentFindings.total,
          byClass: sortedCounts(this.incidents.contentFindings.byClass),
          byAction: sortedCounts(this.incidents.contentFindings.byAction),
        },
        about: ARTICLE12_NOTES.incidents,
      },
      integrity: { checkpoint: scene.checkpoint, lastVerification: scene.lastVerification, about: ARTICLE12_NOTES.integrity },
      retention: { rule: scene.retention.rule, settings: scene.retention.settings, ...this.retention, about: ARTICLE12_NOTES.retention },
      coverage: {
        agentsWithDecisions: this.agents.size,
        agentsRegistered: this.registered.size,
        actionsExecuted: this.decisions.executed,
        outcomesReported: this.outcomesReported,
        modelCalls: this.modelCalls,
        about: ARTICLE12_NOTES.coverage,
      },
    };
  }
}

/** Counts in key order, so the same report serializes the same way. */
function sortedCounts(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
