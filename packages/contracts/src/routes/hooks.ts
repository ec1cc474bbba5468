import { hookAnswerSchema, hookParamsSchema, hookQuerySchema, preToolUseBodySchema } from "../hooks";
import type { RouteContract } from "./contract";

/** The coding agents' PreToolUse hook: a tool call decided as execute decides it, answered in the hook's own format. */
export const hookRoutes = [
  {
    operationId: "codingAgentHook",
    method: "POST",
    path: "/v1/hooks/:agent",
    summary: "Decide a coding agent's tool call (PreToolUse hook)",
    description:
      "For a Claude Code `http` hook (or `gatehouse hook claude-code|codex` as a command hook): decides the call as `execute` does (MCP tools `mcp__<server>__<tool>` as `mcp.<server>.<tool>`, others as `tool.<name>`), holds it up to `waitSeconds` for a person when a policy asks for one (re-attaching to an unused approval of the same call in the same session; an approval lets one call through), and answers in the hook's own format: allow or deny, never ask (the person at the terminal is not the approver Gatehouse asked). The agents treat a non-2xx answer as a failed hook and run the tool anyway, so every refusal — a missing or refused key, a malformed payload, a body over 512 KB, too many waiting calls, a fault on our side — is answered 200 with `deny` naming it, its code in the `x-gatehouse-error` header. The answer's `x-gatehouse-status`, `x-gatehouse-approval-id` and `x-gatehouse-audit-event-id` headers carry Gatehouse's own decision.",
    tag: "Decisions",
    auth: "agent",
    params: hookParamsSchema,
    query: hookQuerySchema,
    body: preToolUseBodySchema,
    bodyLimit: 512 * 1024,
    success: { status: 200, description: "allow, deny (with the reason the model reads) or ask.", json: hookAnswerSchema },
  },
] as const satisfies readonly RouteContract[];
