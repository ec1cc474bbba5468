/**
 * `gatehouse hook claude-code` on a PostToolUse payload: the tool's result (`tool_response`) is screened
 * before Claude reads it (docs/guardrails.md, What the model reads), with the built-in detector table and
 * the org's own detectors, by the content rules Gatehouse answers for the call's action (`canI`, which
 * records nothing). An MCP tool's result is replaced by the screened one (`updatedMCPToolOutput`); for
 * any tool, `updatedToolOutput` asks for the same (Claude Code 2.1.121 and later), and `decision: "block"`
 * with a reason tells Claude what was kept from it, for a version that shows it the result anyway.
 * Fails closed: when the screen cannot run (no key, Gatehouse unreachable), an MCP tool's result is
 * withheld and Claude is told the result may not be used. The findings (never the values) are reported on
 * the outcome of the call's decision, when the PreToolUse hook of this user left its audit entry's id.
 */
import { createHash } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { hookAction, safeString, type CodingAgent } from "@gatehouse/core";
import { WITHHELD_TOOL_RESULT } from "@gatehouse/core/model-traffic";
import { Gatehouse } from "@gatehouse/sdk";
import { screenToolOutputFor } from "@gatehouse/sdk/model-call";
import { z } from "zod";
import type { CliIo } from "./command.ts";
import { hookKeyPath, readHookKey } from "./hook-key.ts";
import { VERSION } from "./version.ts";

/** The fields of a PostToolUse payload Gatehouse reads; others are dropped. */
export const postToolUseSchema = z.object({
  hook_event_name: z.literal("PostToolUse"),
  tool_name: safeString().min(1).max(200),
  tool_input: z.unknown().default({}),
  tool_response: z.unknown(),
  tool_use_id: safeString().min(1).max(200),
  session_id: safeString().max(200).optional(),
});
export type PostToolUse = z.output<typeof postToolUseSchema>;

/** What Claude Code reads back from a PostToolUse hook. */
export interface PostToolUseAnswer {
  decision?: "block";
  reason?: string;
  hookSpecificOutput?: { hookEventName: "PostToolUse"; additionalContext?: string; updatedMCPToolOutput?: unknown; updatedToolOutput?: unknown };
}

const isMcp = (tool: string) => /^mcp__.+?__.+$/.test(tool);

/** The file where the PreToolUse hook leaves a call's audit entry id for its PostToolUse hook: in the key file's private directory, named by a hash of the call. */
export function callFilePath(io: CliIo, agent: CodingAgent, keyFile: string | undefined, eventId: string): string | undefined {
  const key = keyFile ?? hookKeyPath(io.env, agent);
  if (key === undefined) return undefined;
  return join(dirname(key), `${agent}.calls`, createHash("sha256").update(eventId).digest("hex").slice(0, 40));
}

/** Leaves an allowed call's audit entry id for the PostToolUse hook (0600, in a 0700 directory). Best effort: the call is decided either way. */
export async function leaveAuditEventId(path: string | undefined, auditEventId: string): Promise<void> {
  if (path === undefined) return;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(path, `${auditEventId}\n`, { mode: 0o600 });
  } catch {
    // Observation: without it the PostToolUse hook still screens; only the outcome goes unreported.
  }
}

/** The result withheld, or the screen's answer when it could not run: fail closed. */
function cannotScreen(tool: string, reason: string): PostToolUseAnswer {
  const told = `Gatehouse could not screen this tool's result (${reason}), so the org's content rules may not have been applied to it: do not repeat, store or send on any secret or personal data it holds.`;
  return {
    decision: "block",
    reason: told,
    hookSpecificOutput: { hookEventName: "PostToolUse", ...(isMcp(tool) ? { updatedMCPToolOutput: withheldMcp() } : {}), updatedToolOutput: WITHHELD_TOOL_RESULT },
  };
}

function withheldMcp(): unknown {
  return { content: [{ type: "text", text: WITHHELD_TOOL_RESULT }], isError: true };
}

/**
 * Screens one PostToolUse payload. `connection` is the hook's key and base URL (or the reason it has none).
 * Answers `{}` when there is nothing to change.
 */
export async function screenPostToolUse(
  io: CliIo,
  agent: CodingAgent,
  payload: PostToolUse,
  connection: { apiKey: string; baseUrl: string; keyFile: string | undefined } | { error: string },
): Promise<PostToolUseAnswer> {
  if ("error" in connection) return cannotScreen(payload.tool_name, connection.error);
  const { actionType, tool, eventId } = hookAction(agent, { ...payload, hook_event_name: "PreToolUse" });
  const gatehouse = new Gatehouse({
    apiKey: connection.apiKey,
    baseUrl: connection.baseUrl,
    fetch: io.fetch,
    heartbeat: false,
    integration: `${agent}/${VERSION}`,
    warnUnwrapped: false,
  });
  let seen;
  try {
    // The rules the call's action is held to (nothing recorded); the org's detectors are read beside them.
    const rules = await gatehouse.canI(actionType, { tool, screened: [] });
    seen = await screenToolOutputFor(gatehouse, payload.tool_response, rules);
  } catch (error) {
    return cannotScreen(payload.tool_name, error instanceof Error ? error.message : String(error));
  }
  await reportFindings(io, agent, gatehouse, connection.keyFile, eventId, seen.screened);
  const kept = [...new Set(seen.screened.filter((f) => f.class !== "instructions").map((f) => f.detector))];
  if (kept.length === 0) return {};
  const replaced = seen.withheld ? WITHHELD_TOOL_RESULT : seen.output;
  const reason = seen.withheld
    ? `Gatehouse withheld this tool's result: it holds a secret or personal data the org's content rules keep from you (${kept.join(", ")}). Do not look for it another way, and do not repeat, store or send on anything from it.`
    : `Gatehouse redacted ${kept.join(", ")} from this tool's result: the org's content rules keep those values from you. Use the result as redacted; do not repeat, store or send on the values.`;
  return {
    decision: "block",
    reason,
    hookSpecificOutput: {
      hookEventName: "PostToolUse",
      ...(isMcp(payload.tool_name) ? { updatedMCPToolOutput: seen.withheld ? withheldMcp() : replaced } : {}),
      updatedToolOutput: replaced,
    },
  };
}

/** Reports the findings on the outcome of the call's decision, when the PreToolUse hook left its id; then removes the file. Observation: a failure is said on stderr only. */
async function reportFindings(
  io: CliIo,
  agent: CodingAgent,
  gatehouse: Gatehouse,
  keyFile: string | undefined,
  eventId: string,
  screened: ReadonlyArray<{ detector: string; class: "secrets" | "personalData" | "instructions"; path: string }>,
): Promise<void> {
  const path = callFilePath(io, agent, keyFile, eventId);
  if (path === undefined) return;
  let auditEventId: string;
  try {
    auditEventId = await readHookKey(path, io.uid);
  } catch {
    return;
  }
  await rm(path, { force: true });
  if (!/^aud_[0-9A-Za-z]{22}$/.test(auditEventId)) return;
  try {
    await gatehouse.report(auditEventId, { status: "success", ...(screened.length > 0 ? { screened: screened.slice(0, 100) } : {}) });
  } catch (error) {
    io.stderr(`gatehouse hook: the outcome of ${auditEventId} was not reported: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}
