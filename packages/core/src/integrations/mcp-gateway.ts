import { z } from "zod";
import { webhookUrlProblem } from "../webhooks/webhooks";
import { toolSegment } from "./integrations";

/**
 * The hosted MCP gateway's names (issue 65, docs/integrations/mcp.md): an org's MCP servers and its gateways (a named
 * set of servers served at `/mcp/<org slug>/<gateway>`). A tool is offered at a gateway as `<server>__<tool>` and
 * decided as the action type `mcp.<server>.<tool>`. Server names have no `_`, so the first `__` of a gateway tool's
 * name always ends its server's: two servers' tools cannot collide, whatever the tools are called.
 */

/** A server's or a gateway's name: lowercase letters, digits and single hyphens inside, 1 to 32 characters. */
export const MCP_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
const NAME_RULE = "1 to 32 of a-z, 0-9 and '-', starting and ending with a letter or digit";

export const mcpNameSchema = z.string().max(32).regex(MCP_NAME_PATTERN, `must be ${NAME_RULE}`);

/** Between a server's name and its tool's at a gateway. */
export const MCP_TOOL_SEPARATOR = "__";

/** Servers one org may register, gateways it may have, servers one gateway may serve. */
export const MAX_MCP_SERVERS_PER_ORG = 50;
export const MAX_MCP_GATEWAYS_PER_ORG = 20;
export const MAX_SERVERS_PER_GATEWAY = 20;

/** What a tool whose definition changed becomes until an admin accepts the change: hidden from `tools/list`, or listed with its calls held for approval. */
export const MCP_ON_CHANGE = ["hide", "require_approval"] as const;
export type McpOnChange = (typeof MCP_ON_CHANGE)[number];

/**
 * An upstream's URL: http(s), no user name or password, at most 2,048 characters (the webhook rule; its address is
 * checked like a webhook's when it is saved and again where each request connects).
 */
export const mcpServerUrlSchema = z
  .string()
  .max(2_048)
  .superRefine((value, ctx) => {
    const problem = mcpServerUrlProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

export function mcpServerUrlProblem(value: string): string | null {
  const problem = webhookUrlProblem(value);
  if (problem?.startsWith("must not carry a user name")) return "must not carry a user name or password: give it as `credential`, which is sealed and never shown";
  return problem;
}

/** A tool's name at a gateway. */
export function gatewayToolName(server: string, tool: string): string {
  return `${server}${MCP_TOOL_SEPARATOR}${tool}`;
}

/** The server and tool a gateway tool's name stands for; null when it names none (no separator, or not a server's name before it). */
export function splitGatewayToolName(name: string): { server: string; tool: string } | null {
  const at = name.indexOf(MCP_TOOL_SEPARATOR);
  if (at <= 0) return null;
  const server = name.slice(0, at);
  const tool = name.slice(at + MCP_TOOL_SEPARATOR.length);
  if (!MCP_NAME_PATTERN.test(server) || tool.length === 0) return null;
  return { server, tool };
}

/** The longest action type (action-result.ts). */
const MAX_ACTION_TYPE = 128;

/** The action type a gateway decides a server's tool as: `mcp.<server>.<tool in snake_case>`, as the local proxy names it. */
export function mcpActionType(server: string, tool: string): string {
  const prefix = `mcp.${server}.`;
  return `${prefix}${toolSegment(tool).slice(0, MAX_ACTION_TYPE - prefix.length)}`;
}
