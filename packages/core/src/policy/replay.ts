import { contentSettingsSchema, type CallContentDefaults, type ContentActions } from "../content/content-rules";
import type { ContentScreen } from "../content/screen-content";
import { judgeCall, untaggedScreen } from "../actions/judge-call";
import type { ActionRequest } from "../actions/action-result";
import { denialReasonsOf } from "../actions/denial-reasons";
import type { Facts, RateCounts } from "./conditions";
import type { PolicyDocument, PolicyEffect } from "./document";
import { compilePolicy, PolicySet, type AgentFacts } from "./evaluate";
import { onlyThisCall } from "./replay-counts";

/**
 * Replay: a draft policy set evaluated against the org's recorded decisions, to show what would
 * change before it goes live. Pure: the caller reads the records (packages/db's simulatePolicies
 * pages through the `actions` table) and this module decides and aggregates.
 *
 * What replay cannot know: rate conditions see only the call itself (a count of 1: past windows are
 * not reconstructed), an agent's name, labels and delegation chain are today's, not those at the time
 * of the decision, and decisions made before any policy was consulted (a halted agent, an open
 * circuit, a delegation refused, tampered policies) are skipped, as the draft would not have been
 * asked either.
 */

/** Denial reasons a policy gives; any other denial was decided before policy (AGENT_HALTED, CIRCUIT_OPEN, DELEGATION_*, POLICY_TAMPERED, …). */
export const POLICY_DENIAL_REASONS: ReadonlySet<string> = new Set(denialReasonsOf("policy"));

/**
 * The effect a recorded decision had, from its action row: executed → allow, requested → require_approval,
 * denied → deny. An action that opened an approval was require_approval whatever its approval became
 * (approved actions read `executed`, refused or expired ones `denied`). Null: decided before policy, skipped.
 */
export function recordedEffect(row: { status: "executed" | "requested" | "denied"; denialReason: string | null; approvalRequested: boolean }): PolicyEffect | null {
  if (row.approvalRequested || row.status === "requested") return "require_approval";
  if (row.status === "executed") return "allow";
  return row.denialReason === null || POLICY_DENIAL_REASONS.has(row.denialReason) ? "deny" : null;
}

/** One recorded decision to replay. */
export interface ReplayRecord {
  actionId: string;
  /** When it was decided (ISO 8601). */
  at: string;
  actionType: string;
  /** The agent that acted (for grouping and samples). */
  agentId: string;
  agentName: string;
  /** What policies see: the agent itself, or for a delegate its root agent. */
  subject: AgentFacts;
  delegation?: Facts["delegation"];
  metadata: Record<string, unknown>;
  dataAccessed: ActionRequest["dataAccessed"];
  /** The recorded effect (see recordedEffect); null: decided before policy, skipped. */
  recorded: PolicyEffect | null;
  /** The policy that decided, as recorded (null: none). */
  policy: string | null;
}

export interface ReplayTransition {
  from: PolicyEffect;
  to: PolicyEffect;
  count: number;
}

export interface ReplaySample {
  actionId: string;
  at: string;
  actionType: string;
  agentName: string;
  from: PolicyEffect;
  to: PolicyEffect;
  policyBefore: string | null;
  policyAfter: string | null;
}

export interface ReplayResult {
  /** Decisions evaluated with the draft (skipped ones not included). */
  evaluated: number;
  /** Decisions made before policy (AGENT_HALTED, CIRCUIT_OPEN, DELEGATION_*, POLICY_TAMPERED, …): not evaluated. */
  skipped: number;
  /** Evaluated decisions whose effect would change. */
  changed: number;
  /** Evaluated decisions the draft would let through (or hold) with their call rewritten by a policy's `redact` or `transform`. */
  rewritten: number;
  /** Changes only, most frequent first. */
  transitions: ReplayTransition[];
  byActionType: Array<{ actionType: string } & ReplayTransition>;
  byAgent: Array<{ agentId: string; agentName: string } & ReplayTransition>;
  /** Up to SAMPLES_PER_TRANSITION per transition, in the order the records came. */
  samples: ReplaySample[];
}

export const SAMPLES_PER_TRANSITION = 5;
/** byActionType and byAgent keep their most frequent rows. */
export const MAX_REPLAY_GROUPS = 100;

const EFFECTS: readonly PolicyEffect[] = ["allow", "require_approval", "deny"];

function byCount<T extends { count: number }>(rows: T[], key: (row: T) => string): T[] {
  return rows.sort((a, b) => b.count - a.count || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * A replay's counts as plain data (structured-clone safe): what one page of records changed. Pages
 * evaluated apart (on worker threads) are merged in the order their records came.
 */
export interface ReplayTallyData {
  evaluated: number;
  skipped: number;
  rewritten: number;
  transitions: ReplayTransition[];
  byActionType: Array<{ actionType: string } & ReplayTransition>;
  byAgent: Array<{ agentId: string; agentName: string } & ReplayTransition>;
  /** Per transition (`from>to`), its samples in record order (at most SAMPLES_PER_TRANSITION). */
  samples: Array<{ transition: string; samples: ReplaySample[] }>;
}

/** The aggregation of a replay: records' outcomes added one by one, or pages' tallies merged in order. */
export class ReplayTally {
  #evaluated = 0;
  #skipped = 0;
  #rewritten = 0;
  readonly #transitions = new Map<string, ReplayTransition>();
  readonly #byActionType = new Map<string, { actionType: string } & ReplayTransition>();
  readonly #byAgent = new Map<string, { agentId: string; agentName: string } & ReplayTransition>();
  readonly #samples = new Map<string, ReplaySample[]>();

  skip(): void {
    this.#skipped += 1;
  }

  /** One evaluated record the draft would rewrite (counted besides its effect). */
  rewrite(): void {
    this.#rewritten += 1;
  }

  /** One evaluated record: `after` is what the draft decided. */
  add(record: ReplayRecord & { recorded: PolicyEffect }, after: { effect: PolicyEffect; policy: string | null }): void {
    this.#evaluated += 1;
    const from = record.recorded;
    const to = after.effect;
    if (from === to) return;
    const transition = `${from}>${to}`;
    bump(this.#transitions, transition, () => ({ from, to, count: 0 }));
    bump(this.#byActionType, `${transition}>${record.actionType}`, () => ({ actionType: record.actionType, from, to, count: 0 }));
    bump(this.#byAgent, `${transition}>${record.agentId}`, () => ({ agentId: record.agentId, agentName: record.agentName, from, to, count: 0 }));
    this.#sample(transition, [
      { actionId: record.actionId, at: record.at, actionType: record.actionType, agentName: record.agentName, from, to, policyBefore: record.policy, policyAfter: after.policy },
    ]);
  }

  /** Adds a later page's tally (merging pages in record order gives what adding their records would). */
  merge(data: ReplayTallyData): void {
    this.#evaluated += data.evaluated;
    this.#skipped += data.skipped;
    this.#rewritten += data.rewritten;
    for (const t of data.transitions) bump(this.#transitions, `${t.from}>${t.to}`, () => ({ from: t.from, to: t.to, count: 0 }), t.count);
    for (const t of data.byActionType)
      bump(this.#byActionType, `${t.from}>${t.to}>${t.actionType}`, () => ({ actionType: t.actionType, from: t.from, to: t.to, count: 0 }), t.count);
    for (const t of data.byAgent) {
      bump(this.#byAgent, `${t.from}>${t.to}>${t.agentId}`, () => ({ agentId: t.agentId, agentName: t.agentName, from: t.from, to: t.to, count: 0 }), t.count);
    }
    for (const { transition, samples } of data.samples) this.#sample(transition, samples);
  }

  data(): ReplayTallyData {
    return {
      evaluated: this.#evaluated,
      skipped: this.#skipped,
      rewritten: this.#rewritten,
      transitions: [...this.#transitions.values()].map((t) => ({ ...t })),
      byActionType: [...this.#byActionType.values()].map((t) => ({ ...t })),
      byAgent: [...this.#byAgent.values()].map((t) => ({ ...t })),
      samples: [...this.#samples].map(([transition, samples]) => ({ transition, samples: samples.map((s) => ({ ...s })) })),
    };
  }

  result(): ReplayResult {
    const transitions = byCount(
      [...this.#transitions.values()].map((t) => ({ ...t })),
      (t) => `${EFFECTS.indexOf(t.from)}${EFFECTS.indexOf(t.to)}`,
    );
    const order = new Map(transitions.map((t, i) => [`${t.from}>${t.to}`, i]));
    return {
      evaluated: this.#evaluated,
      skipped: this.#skipped,
      changed: transitions.reduce((sum, t) => sum + t.count, 0),
      rewritten: this.#rewritten,
      transitions,
      byActionType: byCount(
        [...this.#byActionType.values()].map((t) => ({ ...t })),
        (t) => `${t.actionType}>${t.from}>${t.to}`,
      ).slice(0, MAX_REPLAY_GROUPS),
      byAgent: byCount(
        [...this.#byAgent.values()].map((t) => ({ ...t })),
        (t) => `${t.agentName}>${t.agentId}>${t.from}>${t.to}`,
      ).slice(0, MAX_REPLAY_GROUPS),
      samples: [...this.#samples.entries()].sort(([a], [b]) => (order.get(a) ?? 0) - (order.get(b) ?? 0)).flatMap(([, samples]) => samples.map((s) => ({ ...s }))),
    };
  }

  #sample(transition: string, more: readonly ReplaySample[]): void {
    let samples = this.#samples.get(transition);
    if (!samples) this.#samples.set(transition, (samples = []));
    for (const sample of more) {
      if (samples.length >= SAMPLES_PER_TRANSITION) return;
      samples.push({ ...sample });
    }
  }
}

/**
 * The screen replay judges a record with: only a class set to `deny` can change a replayed effect (what is
 * redacted or flagged is let through), so a draft whose rules deny neither class is not screened at all.
 * What was redacted when the call was recorded is a placeholder now and found no more; what was flagged or
 * kept is found again.
 */
function replayScreen(actions: ContentActions): ContentScreen {
  return actions.secrets === "deny" || actions.personalData === "deny" ? untaggedScreen(actions) : NOTHING;
}

const NOTHING: ContentScreen = (value) => ({ value, findings: [], denied: false });

/** Compiles the draft once; `add` records as they are read (page by page); `result` the aggregation. */
export class PolicyReplay {
  readonly #set: PolicySet;
  readonly #counts: RateCounts;
  readonly #tally = new ReplayTally();
  readonly #content: CallContentDefaults;

  /** `content`: the org's content settings (its default where the draft's policies name none); absent, the product's defaults. */
  constructor(documents: readonly PolicyDocument[], options: { content?: CallContentDefaults } = {}) {
    this.#set = new PolicySet(documents.map((document, i) => compilePolicy(document, { versionId: `draft-${i}`, version: 0 })));
    this.#counts = onlyThisCall(this.#set);
    this.#content = options.content ?? contentSettingsSchema.parse({});
  }

  /** Evaluates one record as the draft would decide it; answers the effect and policy (null when skipped). */
  add(record: ReplayRecord): { effect: PolicyEffect; policy: string | null } | null {
    return this.#addTo(this.#tally, record);
  }

  /** Evaluates a page of records apart from this replay's own counts and answers the page's tally. */
  page(records: Iterable<ReplayRecord>): ReplayTallyData {
    const tally = new ReplayTally();
    for (const record of records) this.#addTo(tally, record);
    return tally.data();
  }

  #addTo(tally: ReplayTally, record: ReplayRecord): { effect: PolicyEffect; policy: string | null } | null {
    const recorded = record.recorded;
    if (recorded === null) {
      tally.skip();
      return null;
    }
    // The one judgement production makes (judge-call.ts): the draft's rewrites made (one that cannot be made
    // refuses, REWRITE_REFUSED), the content screen over the call as rewritten, and which reason wins.
    const judged = judgeCall(
      this.#set,
      { actionType: record.actionType, metadata: record.metadata, dataAccessed: record.dataAccessed },
      { agent: record.subject, ...(record.delegation ? { delegation: record.delegation } : {}), callerName: record.agentName },
      { counts: this.#counts, content: this.#content, screenWith: replayScreen },
    );
    if (judged.rewritten) tally.rewrite();
    const after = { effect: judged.effect, policy: judged.policy };
    tally.add({ ...record, recorded }, after);
    return after;
  }

  /** The counts so far as plain data (see ReplayTally.merge). */
  tally(): ReplayTallyData {
    return this.#tally.data();
  }

  result(): ReplayResult {
    return this.#tally.result();
  }
}

function bump<T extends { count: number }>(map: Map<string, T>, key: string, create: () => T, by = 1): void {
  let row = map.get(key);
  if (!row) map.set(key, (row = create()));
  row.count += by;
}

/** Replays `records` against the draft `documents` (compiled once) and answers the aggregation. */
export function replayDecisions(documents: readonly PolicyDocument[], records: Iterable<ReplayRecord>, options: { content?: CallContentDefaults } = {}): ReplayResult {
  const replay = new PolicyReplay(documents, options);
  for (const record of records) replay.add(record);
  return replay.result();
}

/** Drafts a worker thread compiled, by replay: the pages of one replay compile it once per worker. */
const compiledDrafts = new Map<string, PolicyReplay>();
const COMPILED_DRAFTS_KEPT = 8;

/**
 * One page of a replay, as a task a worker thread runs (packages/db's simulatePolicies reads the
 * pages and hands each here): evaluates `records` against the draft `documents` and answers the
 * page's tally, which the caller merges in page order. `replayId` names the replay so a worker
 * compiles its draft once; documents must be the same for every page of one id.
 */
export function replayPage(input: { replayId: string; documents: readonly PolicyDocument[]; records: readonly ReplayRecord[]; content?: CallContentDefaults }): ReplayTallyData {
  let replay = compiledDrafts.get(input.replayId);
  if (!replay) {
    replay = new PolicyReplay(input.documents, input.content ? { content: input.content } : {});
    compiledDrafts.set(input.replayId, replay);
    if (compiledDrafts.size > COMPILED_DRAFTS_KEPT) compiledDrafts.delete(compiledDrafts.keys().next().value as string);
  }
  return replay.page(input.records);
}

/**
 * One recorded decision as the database reads it, without parsing: the action's id, agent id, action
 * type, metadata and data accessed as JSON text, status, denial reason, policy name, when (ISO 8601)
 * and whether it opened an approval. The reader (packages/db's simulatePolicies) hands these over as
 * they come so the JSON is parsed on the worker thread, not on the API's event loop.
 */
export type RawReplayRow = [
  actionId: string,
  agentId: string,
  actionType: string,
  metadata: string,
  dataAccessed: string,
  status: "executed" | "requested" | "denied",
  denialReason: string | null,
  policy: string | null,
  at: string,
  approval: boolean,
];

/** Who acted, as a replay sees them: by agent id, the agent's name and the subject policies see (see ReplayRecord). */
export type ReplaySubjects = Record<string, Pick<ReplayRecord, "agentName" | "subject" | "delegation">>;

/** The records of raw rows; an agent not in `subjects` (deleted since) is its own subject with no labels. */
export function replayRecordsOf(rows: readonly RawReplayRow[], subjects: ReplaySubjects): ReplayRecord[] {
  return rows.map(([actionId, agentId, actionType, metadata, dataAccessed, status, denialReason, policy, at, approval]) => {
    const who = subjects[agentId] ?? { agentName: agentId, subject: { id: agentId, name: agentId, labels: {} } };
    return {
      actionId,
      at,
      actionType,
      agentId,
      ...who,
      metadata: JSON.parse(metadata) as Record<string, unknown>,
      dataAccessed: JSON.parse(dataAccessed) as ReplayRecord["dataAccessed"],
      recorded: recordedEffect({ status, denialReason, approvalRequested: approval }),
      policy,
    };
  });
}

/** replayPage over raw rows (the task simulatePolicies runs): the rows' JSON is parsed here, on the worker. */
export function replayRawPage(input: {
  replayId: string;
  documents: readonly PolicyDocument[];
  rows: readonly RawReplayRow[];
  subjects: ReplaySubjects;
  content?: CallContentDefaults;
}): ReplayTallyData {
  return replayPage({
    replayId: input.replayId,
    documents: input.documents,
    records: replayRecordsOf(input.rows, input.subjects),
    ...(input.content ? { content: input.content } : {}),
  });
}
