import { CODING_AGENTS, preToolUseSchema } from "@gatehouse/core";
import { z } from "zod";
import { named } from "./common";

export const hookParamsSchema = z.object({ agent: z.enum(CODING_AGENTS).describe("The coding agent whose hook calls: `claude-code` or `codex` (the same payload and answer).") });

export const hookQuerySchema = z.strictObject({
  waitSeconds: z.coerce
    .number()
    .int()
    .min(0)
    .max(25)
    .default(20)
    .describe("How long to hold the call for a person's decision when a policy asks for one (at most 25 s, the longest any Gatehouse call is held)."),
});

export const preToolUseBodySchema = named(
  "PreToolUseHook",
  preToolUseSchema,
  "A coding agent's PreToolUse hook payload, as Claude Code and Codex send it (fields Gatehouse does not read are ignored).",
);

export const hookAnswerSchema = named(
  "PreToolUseHookAnswer",
  z.object({
    hookSpecificOutput: z.object({
      hookEventName: z.literal("PreToolUse"),
      permissionDecision: z.enum(["allow", "deny", "ask"]),
      permissionDecisionReason: z.string().describe("For deny: what the model is told; for ask: what the person is shown."),
      updatedInput: z
        .unknown()
        .optional()
        .describe(
          "Claude Code, for an allow its policies rewrote (`redact`, `transform`; docs/policies.md, Rewriting a call): the tool input to run with instead of the one sent.",
        ),
    }),
  }),
  "The hook's decision in the coding agents' own format.",
);
