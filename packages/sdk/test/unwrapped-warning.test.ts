import { afterEach, describe, expect, it, vi } from "vitest";
import { INTEGRATIONS } from "../../core/src/integrations/integrations.ts";
import { MODEL_WRAPPERS, UNWRAPPED_WARNING } from "../src/unwrapped-warning.ts";
import { client, json } from "./helpers.ts";

const EXECUTED = { status: "executed", auditEventId: "aud_1", conditionsEvaluated: [] };
const SPEND = { model: "gpt-4o-mini", inputTokens: 10, maxOutputTokens: 5 };
const OUTCOME = { auditEventId: "aud_1", status: "success", reportedAt: "2026-11-27T04:00:00.000Z" };

/** A client whose warnings land in `warnings` (each sink warns once). */
function warned(replies: number, options: Parameters<typeof client>[1] = {}) {
  const warnings: string[] = [];
  const made = client(
    Array.from({ length: replies }, () => json(200, EXECUTED)),
    options,
    { warn: (message) => warnings.push(message) },
  );
  return { ...made, warnings };
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe("the one-time warning for a model call's spend declared without a wrapper", () => {
  it("warns once when execute, gate or canI declare spend on a plain client, naming the wrappers and how to silence it", async () => {
    const { gatehouse, warnings } = warned(3);
    await gatehouse.execute("llm.openai.gpt-4o-mini", { spend: SPEND });
    await gatehouse.gate("llm.openai.gpt-4o-mini", { spend: SPEND });
    await gatehouse.canI("llm.openai.gpt-4o-mini", { spend: SPEND });
    expect(warnings).toEqual([UNWRAPPED_WARNING]);
    expect(warnings[0]).toContain("wrapOpenAI");
    expect(warnings[0]).toContain("warnUnwrapped: false");
    expect(warnings[0]).toContain("GATEHOUSE_NO_UNWRAPPED_WARNING=1");
  });

  it("warns when report carries usage on a plain client", async () => {
    const warnings: string[] = [];
    const { gatehouse } = client([json(200, OUTCOME)], {}, { warn: (message) => warnings.push(message) });
    await gatehouse.report("aud_1", { status: "success", usage: { model: "gpt-4o-mini", inputTokens: 10, outputTokens: 5 } });
    expect(warnings).toHaveLength(1);
  });

  it("says nothing for calls that declare no spend, or that come through a model-client wrapper", async () => {
    const { gatehouse, warnings } = warned(6);
    await gatehouse.execute("pr.open");
    await gatehouse.execute("tool.read", { tool: { name: "read", arguments: {} } });
    await gatehouse.withIntegration("openai/0.1.0").execute("llm.openai.gpt-4o-mini", { spend: SPEND });
    await gatehouse.withIntegration("anthropic/0.1.0").execute("llm.anthropic.claude-haiku-4-5", { spend: SPEND });
    await gatehouse.withIntegration("google-genai/0.1.0").execute("llm.google.gemini-2.5-flash", { spend: SPEND });
    await gatehouse.withIntegration("mistral/0.1.0").execute("llm.mistral.mistral-small-latest", { spend: SPEND });
    expect(warnings).toEqual([]);
  });

  it("knows every model-client wrapper core's catalogue names (a wrapper added there and missed here warned its own users)", () => {
    const wrappers = Object.entries(INTEGRATIONS)
      .filter(([, integration]) => integration.role === "model-wrapper")
      .map(([name]) => name)
      .sort();
    expect([...MODEL_WRAPPERS].sort()).toEqual(wrappers);
  });

  it("a framework adapter's client is not a model-client wrapper: declared spend through it warns", async () => {
    const { gatehouse, warnings } = warned(1);
    await gatehouse.withIntegration("langchain/0.1.0").execute("llm.openai.gpt-4o-mini", { spend: SPEND });
    expect(warnings).toHaveLength(1);
  });

  it("is silenced by warnUnwrapped: false, or by GATEHOUSE_NO_UNWRAPPED_WARNING", async () => {
    const off = warned(1, { warnUnwrapped: false });
    await off.gatehouse.execute("llm.openai.gpt-4o-mini", { spend: SPEND });
    expect(off.warnings).toEqual([]);
    vi.stubEnv("GATEHOUSE_NO_UNWRAPPED_WARNING", "1");
    const env = warned(1);
    await env.gatehouse.execute("llm.openai.gpt-4o-mini", { spend: SPEND });
    expect(env.warnings).toEqual([]);
    vi.stubEnv("GATEHOUSE_NO_UNWRAPPED_WARNING", "0");
    const zero = warned(1);
    await zero.gatehouse.execute("llm.openai.gpt-4o-mini", { spend: SPEND });
    expect(zero.warnings).toHaveLength(1);
  });

  it("never fails a call: a sink that throws is ignored and the decision is answered", async () => {
    const { gatehouse } = client(
      [json(200, EXECUTED)],
      {},
      {
        warn: () => {
          throw new Error("no console here");
        },
      },
    );
    await expect(gatehouse.execute("llm.openai.gpt-4o-mini", { spend: SPEND })).resolves.toMatchObject({ status: "executed" });
  });

  it("by default goes to console.warn, once per process however many clients declare spend", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    for (let i = 0; i < 3; i += 1) await client([json(200, EXECUTED)]).gatehouse.execute("llm.openai.gpt-4o-mini", { spend: SPEND });
    expect(warn.mock.calls.filter(([message]) => message === UNWRAPPED_WARNING)).toHaveLength(1);
  });
});
