import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { coverageKindsOf, INTEGRATIONS, type IntegrationName } from "../src/integrations/integrations";

const names = Object.keys(INTEGRATIONS) as IntegrationName[];

describe("coverageKindsOf", () => {
  it.each([
    ["a wrapped client's model call", "openai", true, false, ["model.wrapped"]],
    ["a wrapped Anthropic client's model call", "anthropic", true, false, ["model.wrapped"]],
    ["spend declared through the Python SDK", "python", true, false, ["model.declared"]],
    ["spend declared through the TypeScript SDK", "sdk", true, false, ["model.declared"]],
    ["spend declared by a framework adapter (no model-client wrapper)", "ai-sdk", true, false, ["model.declared"]],
    ["spend declared with no integration header", null, true, false, ["model.declared"]],
    ["a tool call through an adapter", "langchain", false, true, ["tool.adapter"]],
    ["a tool call through a coding agent's hook", "claude-code", false, true, ["tool.adapter"]],
    ["a tool call through the Python SDK by hand", "python", false, true, ["tool.direct"]],
    ["a tool call with no integration header", null, false, true, ["tool.direct"]],
    ["neither", "openai", false, false, []],
  ] as const)("%s", (_case, integration, spend, tool, kinds) => {
    expect(coverageKindsOf({ integration, spend, tool })).toEqual(kinds);
  });

  it("counts a model call exactly when spend is declared and a tool call exactly when a tool is named, whatever the integration", () => {
    fc.assert(
      fc.property(fc.constantFrom<IntegrationName | null>(null, ...names), fc.boolean(), fc.boolean(), (integration, spend, tool) => {
        const kinds = coverageKindsOf({ integration, spend, tool });
        expect(kinds.filter((k) => k.startsWith("model.")).length).toBe(spend ? 1 : 0);
        expect(kinds.filter((k) => k.startsWith("tool.")).length).toBe(tool ? 1 : 0);
        // Only a model-client wrapper makes a model call "wrapped".
        if (kinds.includes("model.wrapped")) expect(integration !== null && INTEGRATIONS[integration].role === "model-wrapper").toBe(true);
      }),
      { seed: 46, numRuns: 200 },
    );
  });
});
