/**
 * Tool calls as Gatehouse actions, the one convention every adapter (`@gatehouse/ai-sdk`,
 * `@gatehouse/openai-agents`, `@gatehouse/langchain`, `@gatehouse/mcp`, the coding-agent hooks)
 * follows, so a policy reads the same whichever framework the agent runs in (docs/integrations.md):
 *
 * - the action type is `tool.<name>` (the name in snake_case, other characters as `_`), or what the
 *   caller chooses;
 * - the metadata is `{ arguments }` (what policies test as `metadata.arguments.*`), or what the
 *   caller's function picks from the arguments (to leave secrets out of the log);
 * - the decision is bound to `argsDigest`: hex SHA-256 of the RFC 8785 JSON of the arguments. An
 *   approval holds for those arguments only;
 * - the idempotency key (`eventId`) is the framework's call id with a digest of the tool's name and
 *   arguments, so a retried step or a restarted process asking again gets the same decision and the
 *   same approval, and the same call id with another tool or other arguments is a new request.
 */
import { canonicalize } from "@gatehouse/tlog/portable";
import { applyChanges } from "@gatehouse/core/rewrite-changes";
import { GatehouseError } from "./errors.ts";
import type { ActionResult, CheckResult, ToolCall } from "./types.ts";

const HEX = "0123456789abcdef";

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  let out = "";
  for (const byte of digest) out += HEX[byte >> 4]! + HEX[byte & 15]!;
  return out;
}

/**
 * The digest a decision and its approval are bound to: hex SHA-256 of the RFC 8785 canonical JSON
 * of `args` (what the server computes from `tool.arguments`). Rejects with a `TypeError` for what JSON
 * cannot carry (a function, a non-finite number, a cycle).
 */
export async function argsDigest(args: unknown): Promise<string> {
  return sha256Hex(canonicalize(args === undefined ? null : args));
}

/** A tool name as an action type segment: snake_case, `[a-z0-9_-]` only, at most 100 characters. */
export function toolActionSegment(name: string): string {
  const snake = name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "_")
    .replace(/^[_-]+/, "")
    .slice(0, 100);
  return snake === "" ? "unnamed" : snake;
}

/** The default action type of a tool: `tool.<name>` (`getWeather` → `tool.get_weather`). */
export function toolActionType(name: string, prefix = "tool"): string {
  return `${prefix}.${toolActionSegment(name)}`;
}

const SAFE_CALL_ID = /^[A-Za-z0-9._-]{1,120}$/;

/**
 * The idempotency key of one tool call: `tc:<callId>:<first 32 hex of the digest>`, or, when the
 * call id has other characters or is long, `tc:h<hash of the call id>:<digest>`. Within the
 * `eventId` rule (1–200 of `[A-Za-z0-9._:-]`).
 */
export async function toolEventId(callId: string, digest: string): Promise<string> {
  const id = SAFE_CALL_ID.test(callId) ? callId : `h${(await sha256Hex(callId)).slice(0, 40)}`;
  return `tc:${id}:${digest.slice(0, 32)}`;
}

/** What {@link describeToolCall} takes. */
export interface ToolCallSpec {
  /** The tool's name as the framework names it. */
  name: string;
  /** The call's arguments as the tool will receive them. */
  args: unknown;
  /** The framework's id of this call (`toolCallId`, `callId`, `tool_use_id`): with the digest, the call's idempotency key. */
  callId?: string;
  /** The action type, or a function of the tool's name. Default: `tool.<name>` ({@link toolActionType}). */
  actionType?: string | ((name: string) => string);
  /**
   * The metadata policies test and the log keeps, from the arguments: return only what may be
   * recorded (leave secrets out). Default: `{ arguments: args }`.
   */
  metadata?: (args: unknown, name: string) => Record<string, unknown>;
}

/** A tool call as the options of `execute`, `gate` and `canI` take it. */
export interface DescribedToolCall {
  actionType: string;
  metadata: Record<string, unknown>;
  tool: { name: string; argsDigest: string };
  /** Present when the spec named a `callId`. */
  eventId?: string;
}

/** Turns a tool call into the action Gatehouse decides, by the convention above. */
export async function describeToolCall(spec: ToolCallSpec): Promise<DescribedToolCall> {
  const digest = await argsDigest(spec.args);
  const actionType = typeof spec.actionType === "function" ? spec.actionType(spec.name) : (spec.actionType ?? toolActionType(spec.name));
  const metadata = spec.metadata ? spec.metadata(spec.args, spec.name) : { arguments: spec.args === undefined ? null : spec.args };
  return {
    actionType,
    metadata,
    tool: { name: spec.name, argsDigest: digest },
    // Keyed on the tool's name too: a provider that numbers calls from 0 in every run gives two tools the same call id.
    ...(spec.callId === undefined ? {} : { eventId: await toolEventId(spec.callId, await sha256Hex(`${spec.name}\n${digest}`)) }),
  };
}

/**
 * Checks that a decision (an `execute` / `waitForApproval` result, or an approval's `result`) was
 * made on exactly these arguments: throws `GatehouseError` with code `ARGS_MISMATCH` when it was
 * made on other arguments or on no tool call. Use it before acting on an approval that came back
 * through something the agent does not control (a message history, a serialized run state).
 */
export function assertSameCall(decision: Pick<ActionResult | CheckResult, "tool">, expected: ToolCall | DescribedToolCall["tool"]): void {
  const digest = "argsDigest" in expected ? expected.argsDigest : undefined;
  const bound = decision.tool;
  if (bound === undefined || digest === undefined || bound.argsDigest !== digest || bound.name !== expected.name) {
    throw new GatehouseError(
      bound === undefined
        ? `This decision was not made on a tool call, so it cannot approve '${expected.name}'`
        : `This decision was made on other arguments (${bound.name} ${bound.argsDigest.slice(0, 12)}…), not on this call of '${expected.name}': ask again`,
      { code: "ARGS_MISMATCH" },
    );
  }
}

/** The changes a decision's policies made to its call (its `rewritten`), none when it has none. */
function changesOf(decision: Pick<ActionResult | CheckResult, "rewritten">): NonNullable<ActionResult["rewritten"]>["changes"] {
  return decision.rewritten?.changes ?? [];
}

/**
 * The metadata a decision says to act on: the call's, with the changes its policies' `redact` and
 * `transform` made (`rewritten`; docs/policies.md, Rewriting a call) made the same way the server made
 * them. Without changes, the metadata as it is. Use it with `execute` when the action's metadata is what
 * the code then acts on.
 */
export function rewrittenMetadata(metadata: Record<string, unknown>, decision: Pick<ActionResult | CheckResult, "rewritten">): Record<string, unknown> {
  const changes = changesOf(decision);
  return changes.length === 0 ? metadata : applyChanges(metadata, changes);
}

const ARGUMENTS = "metadata.arguments";

/**
 * The arguments a tool must run with, by a decision on its call: the call's own, or — when the policies
 * rewrote it (`rewritten`) — with their changes made, checked against the digest the decision is bound
 * to (so an approval given for the rewritten call runs exactly that call). Throws `GatehouseError` with
 * code `ARGS_MISMATCH` when the decision was made on other arguments (as {@link assertSameCall}), and
 * `REWRITE_UNSUPPORTED` when a change is outside the call's arguments (metadata of the caller's own
 * choosing cannot be mapped back onto the arguments): the tool must not run then.
 */
export async function rewrittenArguments(
  decision: Pick<ActionResult | CheckResult, "tool" | "rewritten">,
  call: { name: string; args: unknown; argsDigest?: string },
): Promise<unknown> {
  const changes = changesOf(decision);
  if (changes.length === 0) {
    assertSameCall(decision, { name: call.name, argsDigest: call.argsDigest ?? (await argsDigest(call.args)) });
    return call.args;
  }
  const outside = changes.find((change) => change.path !== ARGUMENTS && !change.path.startsWith(`${ARGUMENTS}.`));
  if (outside) {
    throw new GatehouseError(`A policy rewrote ${outside.path}, which is not one of the arguments of '${call.name}': the call cannot be made as the decision says`, {
      code: "REWRITE_UNSUPPORTED",
    });
  }
  const rewritten = applyChanges({ arguments: call.args === undefined ? null : call.args }, changes).arguments;
  const args = rewritten === undefined ? null : rewritten;
  assertSameCall(decision, { name: call.name, argsDigest: await argsDigest(args) });
  return args;
}
