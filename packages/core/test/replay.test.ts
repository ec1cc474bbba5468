import { describe, expect, it } from "vitest";
import {
  compilePolicy,
  parsePolicySet,
  PolicySet,
  recordedEffect,
  replayDecisions,
  replayPage,
  replayRawPage,
  ReplayTally,
  SAMPLES_PER_TRANSITION,
  type PolicyEffect,
  type RawReplayRow,
  type ReplayRecord,
  type ReplaySubjects,
} from "../src";

const draft = parsePolicySet({
  policies: [
    { name: "allow-reads", actions: ["*.read"], effect: "allow" },
    { name: "deploys-need-approval", actions: ["deploy.*"], effect: "require_approval" },
    { name: "no-prod-deletes", actions: ["db.delete"], effect: "deny", when: { field: "metadata.env", op: "eq", value: "prod" } },
    { name: "allow-deletes", actions: ["db.delete"], effect: "allow" },
    { name: "big-exports", actions: ["data.export"], effect: "require_approval", when: { field: "dataAccessed.count", op: "gt", value: 1000 } },
    { name: "exports", actions: ["data.export"], effect: "allow" },
    { name: "team-a-only", actions: ["build.run"], effect: "allow", when: { field: "agent.labels.team", op: "eq", value: "a" } },
    { name: "send-limit", actions: ["email.send"], effect: "deny", when: { rate: { over: 5, windowSeconds: 60 } } },
    { name: "sends", actions: ["email.send"], effect: "allow" },
    { name: "trial-wipes", actions: ["fs.wipe"], effect: "deny", mode: "monitor" },
  ],
});

/** A deterministic mix of recorded decisions over every kind of request the draft decides. */
function records(n: number): ReplayRecord[] {
  const types = ["repo.read", "deploy.prod", "db.delete", "data.export", "build.run", "email.send", "fs.wipe", "other.thing"];
  const recorded: Array<PolicyEffect | null> = ["allow", "deny", "require_approval", null];
  return Array.from({ length: n }, (_, i) => {
    const agent = `agent-${i % 7}`;
    return {
      actionId: `act_${i}`,
      at: new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString(),
      actionType: types[i % types.length] as string,
      agentId: `agt_${i % 7}`,
      agentName: agent,
      subject: { id: `agt_${i % 7}`, name: agent, labels: { team: i % 3 === 0 ? "a" : "b" } },
      metadata: { env: i % 5 === 0 ? "prod" : "dev" },
      dataAccessed: [{ type: "customers", count: (i * 37) % 2000 }],
      recorded: recorded[(i * 7) % recorded.length] as PolicyEffect | null,
      policy: i % 2 === 0 ? "old-policy" : null,
    };
  });
}

describe("replayDecisions", () => {
  it("gives exactly the transitions of evaluating the same requests one by one", () => {
    const input = records(5_000);
    const result = replayDecisions(draft, input);

    // The reference: each request evaluated on its own by a fresh engine, counts kept by hand.
    const oneByOne = new Map<string, number>();
    const byType = new Map<string, number>();
    let evaluated = 0;
    let skipped = 0;
    for (const record of input) {
      if (record.recorded === null) {
        skipped += 1;
        continue;
      }
      evaluated += 1;
      const set = new PolicySet(draft.map((d, i) => compilePolicy(d, { versionId: `v${i}`, version: 1 })));
      const counts = new Map(set.policies.flatMap((p) => p.rates.map((r) => [r.key, 1])));
      const to = set.evaluate({ actionType: record.actionType, agent: record.subject, metadata: record.metadata, dataAccessed: record.dataAccessed }, counts).effect;
      if (to === record.recorded) continue;
      const key = `${record.recorded}>${to}`;
      oneByOne.set(key, (oneByOne.get(key) ?? 0) + 1);
      byType.set(`${key}>${record.actionType}`, (byType.get(`${key}>${record.actionType}`) ?? 0) + 1);
    }

    expect(result.evaluated).toBe(evaluated);
    expect(result.skipped).toBe(skipped);
    expect(new Map(result.transitions.map((t) => [`${t.from}>${t.to}`, t.count]))).toEqual(oneByOne);
    expect(new Map(result.byActionType.map((t) => [`${t.from}>${t.to}>${t.actionType}`, t.count]))).toEqual(byType);
    expect(result.changed).toBe([...oneByOne.values()].reduce((a, b) => a + b, 0));
    expect(result.changed).toBeGreaterThan(0);
    expect(result.byAgent.reduce((sum, t) => sum + t.count, 0)).toBe(result.changed);
  });

  it("lists transitions most frequent first and keeps at most five samples per transition, in record order", () => {
    const result = replayDecisions(draft, records(2_000));
    const counts = result.transitions.map((t) => t.count);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    for (const t of result.transitions) {
      const samples = result.samples.filter((s) => s.from === t.from && s.to === t.to);
      expect(samples.length).toBe(Math.min(SAMPLES_PER_TRANSITION, t.count));
      const ids = samples.map((s) => Number(s.actionId.slice(4)));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    }
  });

  it("names the policies before and after in a sample, and decides by the draft's conditions", () => {
    const [sample] = replayDecisions(draft, [
      {
        actionId: "act_x",
        at: "2026-11-01T00:00:00.000Z",
        actionType: "db.delete",
        agentId: "agt_1",
        agentName: "cleaner",
        subject: { id: "agt_1", name: "cleaner", labels: {} },
        metadata: { env: "prod" },
        dataAccessed: [],
        recorded: "allow",
        policy: "allow-deletes",
      },
    ]).samples;
    expect(sample).toEqual({
      actionId: "act_x",
      at: "2026-11-01T00:00:00.000Z",
      actionType: "db.delete",
      agentName: "cleaner",
      from: "allow",
      to: "deny",
      policyBefore: "allow-deletes",
      policyAfter: "no-prod-deletes",
    });
  });

  it("counts no rate in replay (a rate limit does not trip) and lets monitor-mode denies through", () => {
    const base = {
      at: "2026-11-01T00:00:00.000Z",
      agentId: "agt_1",
      agentName: "a",
      subject: { id: "agt_1", name: "a", labels: {} },
      metadata: {},
      dataAccessed: [],
      policy: null,
    };
    const result = replayDecisions(draft, [
      { ...base, actionId: "act_1", actionType: "email.send", recorded: "deny" },
      { ...base, actionId: "act_2", actionType: "fs.wipe", recorded: "deny" },
    ]);
    expect(result.transitions).toEqual([{ from: "deny", to: "allow", count: 2 }]);
  });
});

describe("replayPage (a replay in pages, as worker threads run it)", () => {
  it.each([1, 7, 333, 1_000, 5_000])("pages of %i, their tallies merged in order (through a structured clone), give exactly the replay of all records at once", (size) => {
    const input = records(5_000);
    const tally = new ReplayTally();
    for (let i = 0; i < input.length; i += size) tally.merge(structuredClone(replayPage({ replayId: `pages-${size}`, documents: draft, records: input.slice(i, i + size) })));
    expect(tally.result()).toEqual(replayDecisions(draft, input));
  });
});

describe("replayRawPage (rows as the database reads them: JSON as text, parsed on the worker)", () => {
  /** A recorded effect as the action row that records it (recordedEffect reads it back). */
  const ROW_OF: Record<string, [RawReplayRow[5], string | null, boolean]> = {
    allow: ["executed", null, false],
    require_approval: ["requested", null, true],
    deny: ["denied", "NO_POLICY", false],
    null: ["denied", "AGENT_HALTED", false],
  };
  const raw = (record: ReplayRecord): RawReplayRow => {
    const [status, denialReason, approval] = ROW_OF[String(record.recorded)] as [RawReplayRow[5], string | null, boolean];
    return [
      record.actionId,
      record.agentId,
      record.actionType,
      JSON.stringify(record.metadata),
      JSON.stringify(record.dataAccessed),
      status,
      denialReason,
      record.policy,
      record.at,
      approval,
    ];
  };

  it.each([1, 1_000])("pages of %i raw rows give exactly the replay of the parsed records", (size) => {
    // One subject per agent, as the database has them (the fixture varies labels per record).
    const subjects: ReplaySubjects = {};
    for (const r of records(2_000)) subjects[r.agentId] ??= { agentName: r.agentName, subject: r.subject, ...(r.delegation ? { delegation: r.delegation } : {}) };
    const input = records(2_000).map((r) => ({ ...r, ...subjects[r.agentId] }));
    const tally = new ReplayTally();
    for (let i = 0; i < input.length; i += size) {
      const rows = input.slice(i, i + size).map(raw);
      tally.merge(structuredClone(replayRawPage({ replayId: `raw-${size}`, documents: draft, rows, subjects })));
    }
    expect(tally.result()).toEqual(replayDecisions(draft, input));
  });

  it("an agent not in the subjects (deleted since) is replayed as its own subject with no labels", () => {
    const [record] = records(1) as [ReplayRecord];
    const gone = { ...record, agentId: "agt_gone", agentName: "agt_gone", subject: { id: "agt_gone", name: "agt_gone", labels: {} } };
    delete (gone as Partial<ReplayRecord>).delegation;
    expect(replayRawPage({ replayId: "raw-gone", documents: draft, rows: [raw(gone)], subjects: {} })).toEqual(
      replayPage({ replayId: "raw-gone-2", documents: draft, records: [gone] }),
    );
  });
});

describe("recordedEffect", () => {
  it.each([
    [{ status: "executed", denialReason: null, approvalRequested: false }, "allow"],
    [{ status: "requested", denialReason: null, approvalRequested: true }, "require_approval"],
    [{ status: "executed", denialReason: null, approvalRequested: true }, "require_approval"],
    [{ status: "denied", denialReason: "DENIED_BY_REVIEWER", approvalRequested: true }, "require_approval"],
    [{ status: "denied", denialReason: "AGENT_HALTED", approvalRequested: true }, "require_approval"],
    [{ status: "denied", denialReason: "NO_POLICY", approvalRequested: false }, "deny"],
    [{ status: "denied", denialReason: "CONDITIONS_DENIED", approvalRequested: false }, "deny"],
    [{ status: "denied", denialReason: "RATE_LIMITED", approvalRequested: false }, "deny"],
    [{ status: "denied", denialReason: "AGENT_HALTED", approvalRequested: false }, null],
    [{ status: "denied", denialReason: "CIRCUIT_OPEN", approvalRequested: false }, null],
    [{ status: "denied", denialReason: "POLICY_TAMPERED", approvalRequested: false }, null],
    [{ status: "denied", denialReason: "DELEGATION_REVOKED", approvalRequested: false }, null],
  ] as const)("%o → %s", (row, effect) => {
    expect(recordedEffect(row)).toBe(effect);
  });
});

describe("replay of the content rules (docs/content.md)", () => {
  const call = (i: number, metadata: Record<string, unknown>): ReplayRecord => ({
    actionId: `act_c${i}`,
    at: new Date(Date.UTC(2026, 10, 2) + i * 1000).toISOString(),
    actionType: "ticket.reply",
    agentId: "agt_support",
    agentName: "support",
    subject: { id: "agt_support", name: "support", labels: {} },
    metadata,
    dataAccessed: [],
    recorded: "allow",
    policy: "tickets",
  });
  // Recorded with personal data flagged (kept), once redacted to its placeholder, and once with nothing to find.
  const recorded = [call(0, { to: "jane.doe@example.com" }), call(1, { to: "[personal:email#1a2b3c4d]" }), call(2, { to: "team" })];
  const withContent = (content?: Record<string, string>) =>
    parsePolicySet({ policies: [{ name: "tickets", actions: ["ticket.*"], effect: "allow", ...(content ? { content } : {}) }] });

  it("a draft that denies personal data refuses the recorded calls that still hold it: allow → deny", () => {
    const result = replayDecisions(withContent({ personalData: "deny" }), recorded);
    expect(result.transitions).toEqual([expect.objectContaining({ from: "allow", to: "deny", count: 1 })]);
  });

  it("the org's content settings hold where the draft's policies name none", () => {
    expect(replayDecisions(withContent(), recorded, { content: { secrets: "redact", personalData: "deny" } }).transitions).toEqual([
      expect.objectContaining({ from: "allow", to: "deny", count: 1 }),
    ]);
    expect(replayDecisions(withContent(), recorded, { content: { secrets: "redact", personalData: "flag" } }).transitions).toEqual([]);
  });

  it("redact or flag in a draft changes no recorded decision", () => {
    expect(replayDecisions(withContent({ personalData: "redact", secrets: "flag" }), recorded).transitions).toEqual([]);
  });
});
