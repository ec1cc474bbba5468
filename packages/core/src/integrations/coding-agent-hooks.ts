/**
 * Coding agents (Claude Code, Codex) ask before each tool call through a `PreToolUse` hook: a JSON
 * payload in (the tool's name and input, the session and the call's id), a decision out
 * (`hookSpecificOutput.permissionDecision`: allow, deny with the reason shown to the model, or ask).
 * Both agents use the same shapes; the API's `POST /v1/hooks/:agent` and the CLI's `gatehouse hook`
 * turn them into a Gatehouse decision with these functions (docs/integrations/coding-agents.md).
 */
import { canonicalize } from "@gatehouse/tlog/portable";
import { z } from "zod";
import { argsDigestOf } from "../actions/action-result";
import { applyChanges } from "../policy/rewrite-changes";
import { sha256Hex } from "../audit/hashing";
import { inspectInput, MAX_JSON_DEPTH, MAX_JSON_NODES, safeString } from "../input";
import { toolSegment } from "./integrations";

export const CODING_AGENTS = ["claude-code", "codex"] as const;

/** The idempotency keys of hook calls start with this; `POST /v1/actions` refuses it (only the hook route makes them). */
export const HOOK_EVENT_PREFIX = "hook:";
export type CodingAgent = (typeof CODING_AGENTS)[number];

/**
 * The fields of a PreToolUse payload Gatehouse reads. Fields it does not read (transcript_path,
 * permission_mode, model, …) are dropped: the agents add fields over releases, and a newer agent
 * must not be refused for it.
 */
export const preToolUseSchema = z.object({
  hook_event_name: z.literal("PreToolUse", { error: 'must be "PreToolUse": Gatehouse decides tool calls before they run' }),
  tool_name: safeString().min(1).max(200),
  tool_input: z
    .unknown()
    .superRefine((value, ctx) => {
      const issue = inspectInput(value, { maxDepth: MAX_JSON_DEPTH, maxNodes: MAX_JSON_NODES, jsonOnly: true });
      if (issue) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message, input: value });
    })
    .default({}),
  tool_use_id: safeString().min(1).max(200),
  session_id: safeString().max(200).optional(),
  turn_id: safeString().max(200).optional(),
  cwd: safeString().max(4096).optional(),
});
export type PreToolUse = z.output<typeof preToolUseSchema>;

/**
 * The action a hook call asks for. MCP tools, which the agents name `mcp__<server>__<tool>`, are
 * `mcp.<server>.<tool>` as through the MCP proxy, so one policy governs a tool however it is reached;
 * other tools are `tool.<name>` (`Bash` → `tool.bash`, `WebFetch` → `tool.web_fetch`).
 *
 * Two keys: `eventId`, this call's own (its `tool_use_id`: a retried delivery of the same hook call
 * finds the same decision, and every other call is decided and recorded on its own), and
 * `reattachPrefix`, shared by the same call (tool and input) in the same session: a call that needs a
 * person finds the approval an earlier identical call asked for and nobody has used yet
 * (decideHookCall), so asking again after a wait ran out, or from a restarted agent, re-attaches to it
 * instead of asking twice — and once used, an approval never lets a second call through.
 */
export function hookAction(
  agent: CodingAgent,
  payload: PreToolUse,
): { actionType: string; metadata: Record<string, unknown>; tool: { name: string; arguments: unknown }; eventId: string; reattachPrefix: string } {
  const name = payload.tool_name;
  const mcp = /^mcp__(.+?)__(.+)$/.exec(name);
  const actionType = mcp ? `mcp.${toolSegment(mcp[1] as string)}.${toolSegment(mcp[2] as string)}` : `tool.${toolSegment(name)}`;
  const digest = argsDigestOf(payload.tool_input);
  const scope = payload.session_id !== undefined ? ["session", payload.session_id] : ["call", payload.tool_use_id];
  const reattachPrefix = `${HOOK_EVENT_PREFIX}${sha256Hex(canonicalize([agent, ...scope, name, digest])).slice(0, 40)}:`;
  const call = payload.tool_use_id;
  return {
    actionType,
    metadata: { arguments: payload.tool_input, codingAgent: agent, ...(payload.cwd !== undefined ? { cwd: payload.cwd } : {}) },
    tool: { name, arguments: payload.tool_input },
    eventId: `${reattachPrefix}${sha256Hex(call).slice(0, 24)}`,
    reattachPrefix,
  };
}

export type PermissionDecision = "allow" | "deny" | "ask";

/** What the agents read back from a PreToolUse hook. */
export interface HookAnswer {
  hookSpecificOutput: { hookEventName: "PreToolUse"; permissionDecision: PermissionDecision; permissionDecisionReason: string; updatedInput?: unknown };
}

/** A decision as the hook maps it: the action's status, what it says, and (still pending) where a person decides. */
export interface HookOutcome {
  status: "executed" | "requested" | "denied";
  message: string;
  approvalId?: string | undefined;
  approvalUrl?: string | undefined;
  /** The changes the policies made to the call (docs/policies.md, Rewriting a call). */
  rewritten?: { changes: ReadonlyArray<{ path: string; op: "remove" | "set"; value?: unknown }> } | undefined;
}

/**
 * The hook's answer: executed → allow; denied → deny with Gatehouse's sentence (the model reads it);
 * still pending → deny, telling the model to wait for the person and then make the same call again
 * (which re-attaches to the same approval). Never `ask`: that would hand the call to the person at the
 * terminal, who is not the approver the policy named — as an MCP client's elicitation is never taken
 * for an approval. Anything else (a status this version does not know) is a deny.
 */
export function hookAnswer(outcome: HookOutcome, call?: { agent: CodingAgent; toolInput: unknown }): HookAnswer {
  const answer = (permissionDecision: PermissionDecision, permissionDecisionReason: string, updatedInput?: unknown): HookAnswer => ({
    hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision, permissionDecisionReason, ...(updatedInput === undefined ? {} : { updatedInput }) },
  });
  switch (outcome.status) {
    case "executed": {
      const changes = outcome.rewritten?.changes ?? [];
      if (changes.length === 0) return answer("allow", `Gatehouse: ${outcome.message}`);
      // A call its policies rewrote runs only as rewritten: Claude Code takes the new input (`updatedInput`);
      // an agent whose hooks cannot change a tool's input is refused rather than let through as sent.
      if (call?.agent !== "claude-code") {
        return answer(
          "deny",
          `Gatehouse: a policy rewrites this call (${changes.map((c) => c.path).join(", ")}) and this agent's hooks cannot change a tool's input; make the call with those changes instead.`,
        );
      }
      const updatedInput = applyChanges({ arguments: call.toolInput ?? null }, changes).arguments ?? null;
      return answer("allow", `Gatehouse: ${outcome.message}`, updatedInput);
    }
    case "requested": {
      const where = outcome.approvalUrl ? ` at ${outcome.approvalUrl}` : "";
      const id = outcome.approvalId ? ` (${outcome.approvalId})` : "";
      return answer(
        "deny",
        `Gatehouse: this call needs a person's approval${id}, asked for${where}. It has not been approved yet: do not run it another way; once it is approved, make the same call again and it will go ahead.`,
      );
    }
    default:
      return answer("deny", `Gatehouse: ${outcome.message}`);
  }
}

/** The answer when Gatehouse cannot decide (unreachable, a refused key, a malformed payload): deny, never allow. */
export function hookFailure(reason: string): HookAnswer {
  return {
    hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "deny", permissionDecisionReason: `Gatehouse could not decide this call, so it may not run: ${reason}` },
  };
}
