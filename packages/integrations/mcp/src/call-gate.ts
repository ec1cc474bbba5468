/**
 * How the proxy decides a tool call so that asking again re-attaches to the same approval, and an
 * approval runs its call once.
 *
 * An MCP request id says nothing once the client reconnects or the proxy restarts, so a call held
 * for approval is keyed by what it is: the server, the tool, the digest of its arguments and the
 * client's session id when it sends one (`_meta["gatehouse/session"]`). That key cannot be the
 * `eventId` as it is: the server answers a repeated `eventId` with the first decision for ever, so
 * an approval would approve every later identical call too. So the key has generations,
 * `<key>-g0`, `-g1`, …: a call that needs approval asks with the key's current generation; the
 * server's answer for it says whether that generation is still live —
 *
 * - `requested`: the approval is pending. Wait on it (this is the re-attach: no second approval);
 * - `executed` with an approval not yet used (not run by this process, no outcome reported for it):
 *   approved meanwhile, perhaps while the proxy was down. Run it;
 * - anything else (denied, expired, approved and used, or a 409 because the recorded request was
 *   another): spent. Ask with the next generation, which the server decides afresh.
 *
 * Only calls that `canI` says need approval take this path: an allowed or denied call is decided
 * with a fresh `eventId`, so it is recorded once per call and never replays an old decision. A
 * process keeps each key's first live generation, so it probes a spent one at most once; after a
 * restart it probes from `-g0` again, one request per identical call that needed approval before.
 */
import { argsDigest, ConflictError, describeToolCall, GatehouseError, toolEventId, type ActionResult, type DescribedToolCall, type Gatehouse } from "@gatehouse/sdk";

/** One tool call as the proxy decides it. */
export interface PreparedCall {
  /** The tool's name on the server behind the proxy. */
  name: string;
  args: Record<string, unknown>;
  described: DescribedToolCall;
  /** Hex SHA-256 of `[server, tool, session]`: the stable part of the call's `eventId`. */
  key: string;
}

/** A decision and, when it came through the key's generations, which one. */
export interface Held {
  result: ActionResult;
  generation?: number;
}

/** Probes of one call before the proxy gives up: a runaway loop, never a real history. */
const MAX_PROBES = 1000;

export class CallGate {
  readonly #gatehouse: Gatehouse;
  /** Each key's first generation not known to be spent. */
  readonly #generations = new Map<string, number>();
  /** Approvals this process has run (or is running) the call of. */
  readonly #used = new Set<string>();

  constructor(gatehouse: Gatehouse) {
    this.#gatehouse = gatehouse;
  }

  /** The call described by the convention, with its stable key. */
  static async prepare(spec: {
    name: string;
    args: Record<string, unknown>;
    server: string;
    session: string | undefined;
    actionType: string;
    metadata: Record<string, unknown>;
  }): Promise<PreparedCall> {
    const described = await describeToolCall({ name: spec.name, args: spec.args, actionType: spec.actionType, metadata: () => spec.metadata });
    const key = await argsDigest([spec.server, spec.name, spec.session ?? null]);
    return { name: spec.name, args: spec.args, described, key };
  }

  /**
   * Decides the call: `canI` first, then a fresh decision, or the key's live generation when it needs approval.
   * Each asks with `screened: []` (nothing found yet) so the answer says the content rules the tool's result is
   * held to (docs/guardrails.md, What the model reads).
   */
  async decide(call: PreparedCall): Promise<Held> {
    const { actionType, metadata, tool } = call.described;
    const check = await this.#gatehouse.canI(actionType, { metadata, tool });
    if (check.status !== "requested") return { result: await this.#gatehouse.execute(actionType, { metadata, tool, screened: [] }) };
    return this.#attach(call);
  }

  async #attach(call: PreparedCall): Promise<Held> {
    const { actionType, metadata, tool } = call.described;
    let generation = this.#generations.get(call.key) ?? 0;
    for (let probe = 0; probe < MAX_PROBES; probe += 1, generation += 1) {
      const eventId = await toolEventId(`mcp-${call.key.slice(0, 40)}-g${generation}`, tool.argsDigest);
      let result: ActionResult;
      try {
        result = await this.#gatehouse.execute(actionType, { metadata, tool, eventId, screened: [] });
      } catch (error) {
        if (error instanceof ConflictError) continue;
        throw error;
      }
      if (result.approvalId === undefined) {
        // Decided at once (the policies changed since canI, or an earlier such change spent this
        // generation): never act on what may be an old allow; ask afresh.
        this.#generations.set(call.key, generation + 1);
        return { result: await this.#gatehouse.execute(actionType, { metadata, tool, screened: [] }) };
      }
      if (result.status === "requested" || (result.status === "executed" && !(await this.isUsed(result)))) {
        this.#generations.set(call.key, generation);
        return { result, generation };
      }
    }
    throw new GatehouseError(`Gave up after ${MAX_PROBES} earlier approvals of the same call`, { code: "TOO_MANY_PROBES" });
  }

  /**
   * Whether the call of an approved decision has run: this process ran it, or an outcome is
   * recorded for it (the process that ran it reported one), in the audit log since the approval.
   */
  async isUsed(result: ActionResult): Promise<boolean> {
    if (result.approvalId === undefined) return false;
    if (this.#used.has(result.approvalId)) return true;
    const approval = await this.#gatehouse.approval(result.approvalId);
    let cursor: string | undefined;
    do {
      const page = await this.#gatehouse.audit.list({
        type: "action.outcome",
        actionType: approval.actionType,
        from: approval.createdAt,
        limit: 100,
        ...(cursor === undefined ? {} : { cursor }),
      });
      if (page.events.some((event) => event.type === "action.outcome" && event.data.auditEventId === result.auditEventId)) return true;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return false;
  }

  /**
   * Takes an approved decision for running: true once per approval in this process (a second
   * waiter on the same approval gets false). The key moves on to its next generation.
   */
  use(approvalId: string, call: PreparedCall, generation: number | undefined): boolean {
    if (this.#used.has(approvalId)) return false;
    this.#used.add(approvalId);
    if (generation !== undefined) this.spend(call, generation);
    return true;
  }

  /** The generation is spent (its approval was denied, expired or used): the next identical call asks with the next one. */
  spend(call: PreparedCall, generation: number | undefined): void {
    if (generation === undefined) return;
    if ((this.#generations.get(call.key) ?? 0) <= generation) this.#generations.set(call.key, generation + 1);
  }
}
