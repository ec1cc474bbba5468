import { COVERAGE_WINDOW_DAYS, INTEGRATIONS } from "@gatehouse/core";
import { z } from "zod";
import { named } from "./common";

const integrationNames = Object.keys(INTEGRATIONS) as [keyof typeof INTEGRATIONS, ...Array<keyof typeof INTEGRATIONS>];

const tally = (what: string) =>
  z.object({
    count: z.number().int().min(0).describe(`How many ${what} were decided in the window.`),
    lastSeenAt: z.string().nullable().describe("The latest of them (null: none in the window)."),
  });

export const agentCoverageSchema = named(
  "AgentCoverage",
  z.object({
    agentId: z.string(),
    agentName: z.string(),
    integrations: z
      .array(
        z.object({
          name: z.enum(integrationNames).describe("As `x-gatehouse-integration` named it (docs/integrations.md, Coverage)."),
          label: z.string(),
          role: z.enum(["client", "adapter", "model-wrapper"]).describe("An SDK or the CLI called by hand, a framework's or coding agent's adapter, or a model-client wrapper."),
          version: z.string().nullable(),
          lastSeenAt: z.string(),
        }),
      )
      .describe("The integrations its calls came through in the window, most recent first."),
    modelCalls: z.object({
      wrapped: tally("model calls (decisions declaring `spend`) came through a model-client wrapper (wrapOpenAI, wrapAnthropic, wrap_openai, wrap_anthropic)"),
      declared: tally("model calls declared their `spend` by hand, with no wrapper (the model client itself is ungoverned: its prompts are not screened)"),
    }),
    toolCalls: z.object({
      adapter: tally("tool calls (decisions naming their `tool`) came through an adapter"),
      direct: tally("tool calls came through the SDKs or the CLI called by hand"),
    }),
    bypassesWrappers: z.boolean().describe("It declared model spend without a wrapper in the window (posture's coverage.unwrapped_model_calls)."),
  }),
  "How one agent's calls reach Gatehouse (docs/agents.md, Coverage).",
);

export const coverageSchema = named(
  "Coverage",
  z.object({
    windowDays: z.literal(COVERAGE_WINDOW_DAYS),
    since: z.string().describe("The window's start: midnight UTC, 29 days before today."),
    agents: z.array(agentCoverageSchema).describe("Every agent of the org, by name."),
  }),
  "How each of the org's agents' calls reach Gatehouse.",
);
