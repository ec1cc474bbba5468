import { readFileSync } from "node:fs";
import { Mistral } from "@mistralai/mistralai";
import type { CompletionEvent } from "@mistralai/mistralai/models/components";
import { MistralError } from "@mistralai/mistralai/models/errors";
import { createTestOrg, freePort } from "@gatehouse/db/testing";
import { APIConnectionError, BudgetExceededError, Gatehouse } from "@gatehouse/sdk";
import * as modelCall from "@gatehouse/sdk/model-call";
import { beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { listeningApp } from "../../../../apps/api/test/helpers.ts";
import { VERSION, actionTypeOf, estimateTokens, flushReports, wrapMistral } from "../src/index.ts";
import { standIn, type Received, type Reply } from "./stand-in.ts";

/**
 * Mistral's official client, wrapped, against a loopback stand-in that speaks Mistral's wire format and
 * a real Gatehouse API: each chat completion is decided (its spend declared) before a request leaves,
 * refused calls send nothing, and each answer's usage, streamed or not, settles the decision's
 * reservation.
 */

const api = listeningApp();
const provider = standIn();
/** What happened, in order: Gatehouse's decisions and outcomes, and requests reaching the stand-in. */
let timeline: string[] = [];

beforeEach(() => {
  provider.received.length = 0;
  timeline = [];
});

const clientOf = () => new Mistral({ apiKey: "test", serverURL: provider.url, retryConfig: { strategy: "none" } });

/** An org whose policy allows model calls within a budget of `tokens` per agent and day, the wrapped client, and what it declared. */
async function setup(label: string, tokens = 100_000) {
  const org = await createTestOrg({ label, policies: [{ name: "llm", actions: ["llm.*"], effect: "allow", budget: { limit: { tokens }, per: "agent-day" } }] });
  const declared: Array<Record<string, unknown>> = [];
  const integrations = new Set<string | null>();
  const recording: typeof fetch = (input, init) => {
    const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
    if (path === "/v1/actions") declared.push(JSON.parse(String(init?.body)) as Record<string, unknown>);
    if (path.startsWith("/v1/actions")) {
      timeline.push(`gatehouse ${path.endsWith("/outcome") ? "report" : "decide"}`);
      integrations.add(new Headers(init?.headers).get("x-gatehouse-integration"));
    }
    return fetch(input, init);
  };
  const gatehouse = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: api.url, fetch: recording });
  const mistral = wrapMistral(clientOf(), gatehouse);
  return { gatehouse, mistral, declared, integrations };
}

/** The outcomes the agent reported, newest first. */
async function outcomesOf(gatehouse: Gatehouse) {
  const { events } = await gatehouse.audit.list({ type: "action.outcome", limit: 20 });
  return events.flatMap((entry) => (entry.type === "action.outcome" ? [entry.data] : []));
}

function answer(reply: (request: Received) => Reply): void {
  provider.answer = (request) => {
    timeline.push(`mistral ${request.path}`);
    return reply(request);
  };
}

const MODEL = "mistral-small";
const ANSWERED = "mistral-small-2503";
const messages = [
  { role: "system" as const, content: "You keep repositories tidy." },
  { role: "user" as const, content: "Summarize the README in one line." },
];

const completionOf = (content: string) => ({
  id: "cmpl-1",
  object: "chat.completion",
  created: 1_764_000_000,
  model: ANSWERED,
  choices: [{ index: 0, message: { role: "assistant", content, tool_calls: null }, finish_reason: "stop" }],
  usage: { prompt_tokens: 50, completion_tokens: 30, total_tokens: 80 },
});
const completion = completionOf("A governance layer for agents.");

/** A chat stream as Mistral sends it: the last chunk carries the usage (`usage: false` leaves it out); `cut` breaks the connection after the first. */
function chunkStream(options: { usage?: boolean; cut?: boolean } = {}): Reply {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null, usage?: Record<string, number>) => ({
    id: "cmpl-2",
    object: "chat.completion.chunk",
    created: 1_764_000_000,
    model: ANSWERED,
    choices: [{ index: 0, delta, finish_reason: finish }],
    ...(usage ? { usage } : {}),
  });
  const chunks = [
    chunk({ role: "assistant", content: "" }),
    chunk({ content: "A governance " }),
    chunk({ content: "layer." }),
    chunk({ content: "" }, "stop", options.usage === false ? undefined : { prompt_tokens: 25, completion_tokens: 15, total_tokens: 40 }),
  ];
  if (options.cut === true) return { events: chunks.slice(0, 2).map((data) => ({ data })), cut: true };
  return { events: chunks.map((data) => ({ data })), done: true };
}

const textOf = (events: CompletionEvent[]) => events.map((event) => event.data.choices[0]?.delta.content ?? "").join("");

describe("wrapMistral: Mistral's official client, governed", () => {
  it("decides a completion before its request leaves, declaring model and tokens, and settles the usage Mistral reported", async () => {
    const { gatehouse, mistral, declared, integrations } = await setup("mis-complete");
    answer(() => ({ status: 200, json: completion }));

    const result = await mistral.chat.complete({ model: MODEL, messages, maxTokens: 1024 });
    await flushReports(mistral);

    expect(result.choices[0]?.message?.content).toBe("A governance layer for agents.");
    expect(timeline).toEqual(["gatehouse decide", "mistral /v1/chat/completions", "gatehouse report"]);
    expect(provider.received[0]?.body).toMatchObject({ model: MODEL, messages, max_tokens: 1024, stream: false });
    expect(declared).toEqual([
      expect.objectContaining({
        actionType: "llm.mistral.mistral-small",
        spend: { model: MODEL, inputTokens: estimateTokens([messages]), maxOutputTokens: 1024 },
        metadata: { provider: "mistral", model: MODEL, stream: false, requestDigest: expect.stringMatching(/^[0-9a-f]{64}$/) },
      }),
    ]);
    expect(await outcomesOf(gatehouse)).toEqual([
      expect.objectContaining({
        actionType: "llm.mistral.mistral-small",
        status: "success",
        usage: { model: ANSWERED, inputTokens: 50, outputTokens: 30 },
        // mistral-small: $0.10 per million input tokens, $0.30 output.
        spend: expect.objectContaining({ model: ANSWERED, tokens: 80, micros: 50 * 0.1 + 30 * 0.3 }),
      }),
    ]);
    expect(integrations).toEqual(new Set([`mistral/${VERSION}`]));
  });

  it("declares n times maxTokens, and the default maximum for a request without one", async () => {
    const { mistral, declared } = await setup("mis-n");
    answer(() => ({ status: 200, json: completion }));

    await mistral.chat.complete({ model: MODEL, messages, maxTokens: 300, n: 3 });
    await mistral.chat.complete({ model: MODEL, messages });
    await flushReports(mistral);

    expect(declared.map((d) => (d.spend as { maxOutputTokens: number }).maxOutputTokens)).toEqual([900, 4096]);
  });

  it("refuses a completion that would go over its budget with BudgetExceededError, and Mistral receives nothing", async () => {
    const { mistral, declared } = await setup("mis-budget", 500);
    answer(() => ({ status: 200, json: completion }));

    const refused = await mistral.chat.complete({ model: MODEL, messages, maxTokens: 1000 }).catch((error: unknown) => error);
    const refusedStream = await mistral.chat.stream({ model: MODEL, messages, maxTokens: 1000 }).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(BudgetExceededError);
    expect(refused).toMatchObject({ result: { denialReason: "BUDGET_EXCEEDED" }, budget: { name: "llm", per: "agent-day", limit: { tokens: 500 }, exceeded: true } });
    expect(refusedStream).toBeInstanceOf(BudgetExceededError);
    expect(declared[0]).toEqual(expect.objectContaining({ spend: { model: MODEL, inputTokens: estimateTokens([messages]), maxOutputTokens: 1000 } }));
    expect(provider.received).toEqual([]);
  });

  it("streams every event as Mistral sent it, through the SDK's own stream class, and settles the last chunk's usage when it ends", async () => {
    const { gatehouse, mistral, declared } = await setup("mis-stream");
    answer(() => chunkStream());
    const bare = await clientOf().chat.stream({ model: MODEL, messages, maxTokens: 64 });

    const stream = await mistral.chat.stream({ model: MODEL, messages, maxTokens: 64 });
    const seen: CompletionEvent[] = [];
    for await (const event of stream) seen.push(event);
    await flushReports(mistral);

    expect(stream).toBeInstanceOf(bare.constructor);
    await bare.cancel();
    expect(textOf(seen)).toBe("A governance layer.");
    expect(seen.map((event) => event.data.choices[0]?.finishReason)).toEqual([null, null, null, "stop"]);
    expect(provider.received[1]?.body).toMatchObject({ stream: true, max_tokens: 64 });
    expect(declared).toEqual([expect.objectContaining({ metadata: expect.objectContaining({ provider: "mistral", model: MODEL, stream: true }) })]);
    expect(await outcomesOf(gatehouse)).toEqual([
      expect.objectContaining({ status: "success", usage: { model: ANSWERED, inputTokens: 25, outputTokens: 15 }, spend: expect.objectContaining({ tokens: 40 }) }),
    ]);
  });

  it("settles a stream that carried no usage, or that the caller broke off, at the declared maximum, flagged estimated", async () => {
    const { gatehouse, mistral } = await setup("mis-estimated");
    answer(() => chunkStream({ usage: false }));

    const quiet = await mistral.chat.stream({ model: MODEL, messages, maxTokens: 200 });
    for await (const event of quiet) expect(event.data.usage).toBeUndefined();
    const broken = await mistral.chat.stream({ model: MODEL, messages, maxTokens: 70 });
    for await (const _ of broken) break;
    await flushReports(mistral);

    const estimate = estimateTokens([messages]);
    // Each stream reports in the background when it ends: the two may land in either order.
    expect((await outcomesOf(gatehouse)).sort((a, b) => String(a.status).localeCompare(String(b.status)))).toEqual([
      expect.objectContaining({ status: "partial", usage: { model: MODEL, inputTokens: estimate, outputTokens: 70, estimated: true } }),
      expect.objectContaining({
        status: "success",
        usage: { model: MODEL, inputTokens: estimate, outputTokens: 200, estimated: true },
        spend: expect.objectContaining({ estimated: true }),
      }),
    ]);
  });

  it("reports Mistral's error, answered or a stream whose connection broke, as a failure (settled at what was reserved) and rethrows the SDK's error", async () => {
    const { gatehouse, mistral } = await setup("mis-error");
    answer((request) =>
      request.body.stream === true ? chunkStream({ cut: true }) : { status: 400, json: { object: "error", message: "max_tokens: too large", type: "invalid_request_error" } },
    );

    const answered = await mistral.chat.complete({ model: MODEL, messages, maxTokens: 100 }).catch((error: unknown) => error);
    const stream = await mistral.chat.stream({ model: MODEL, messages, maxTokens: 50 });
    const streamedError = await (async () => {
      for await (const _ of stream);
    })().catch((error: unknown) => error);
    await flushReports(mistral);

    expect(answered).toBeInstanceOf(MistralError);
    expect(answered).toMatchObject({ statusCode: 400, body: expect.stringContaining("max_tokens: too large") });
    expect(streamedError).toBeInstanceOf(Error);
    const estimate = estimateTokens([messages]);
    const outcomes = await outcomesOf(gatehouse);
    expect(outcomes).toEqual([
      expect.objectContaining({ status: "failure", spend: expect.objectContaining({ tokens: estimate + 50, estimated: true }) }),
      expect.objectContaining({ status: "failure", spend: expect.objectContaining({ tokens: estimate + 100, estimated: true }) }),
    ]);
    expect(outcomes.map((outcome) => outcome.usage)).toEqual([undefined, undefined]);
  });

  it("fails closed: when Gatehouse cannot be reached the call throws, and nothing is sent to Mistral", async () => {
    const org = await createTestOrg({ label: "mis-down" });
    const gatehouse = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: `http://127.0.0.1:${await freePort()}`, maxRetries: 0, heartbeat: false });
    const mistral = wrapMistral(clientOf(), gatehouse);
    answer(() => ({ status: 200, json: completion }));

    await expect(mistral.chat.complete({ model: MODEL, messages })).rejects.toBeInstanceOf(APIConnectionError);
    await expect(mistral.chat.stream({ model: MODEL, messages })).rejects.toBeInstanceOf(APIConnectionError);
    expect(provider.received).toEqual([]);
  });

  it("governs chat.parse and chat.parseStream, and a second wrapping governs a copy with its own settings, leaving the first as it was", async () => {
    const { gatehouse, mistral, declared } = await setup("mis-parse");
    answer((request) => (request.body.stream === true ? chunkStream() : { status: 200, json: completionOf('{"summary":"A governance layer."}') }));

    const parsed = await mistral.chat.parse({ model: MODEL, messages, maxTokens: 10, responseFormat: z.object({ summary: z.string() }) });
    const streamed: CompletionEvent[] = [];
    for await (const event of await mistral.chat.parseStream({ model: MODEL, messages, maxTokens: 20, responseFormat: z.object({ summary: z.string() }) })) streamed.push(event);
    const copy = wrapMistral(mistral, gatehouse, { defaultMaxOutputTokens: 40, metadata: { run: "copy" } });
    await copy.chat.complete({ model: MODEL, messages });
    await mistral.chat.complete({ model: MODEL, messages });
    await flushReports(mistral);
    await flushReports(copy);

    expect(parsed.choices?.[0]?.message?.parsed).toEqual({ summary: "A governance layer." });
    expect(textOf(streamed)).toBe("A governance layer.");
    expect(copy).not.toBe(mistral);
    expect(declared.map((d) => [(d.spend as { maxOutputTokens: number }).maxOutputTokens, (d.metadata as { run?: string }).run ?? null])).toEqual([
      [10, null],
      [20, null],
      [40, "copy"],
      [4096, null],
    ]);
    expect(provider.received).toHaveLength(4);
    expect((await outcomesOf(gatehouse)).map((outcome) => outcome.status)).toEqual(["success", "success", "success", "success"]);
  });

  it("names the action llm.mistral.<model>; VERSION is package.json's; the governed call is the SDK's (@gatehouse/sdk/model-call), not a copy", () => {
    expect(actionTypeOf("mistral", "Mistral Large 2.1")).toBe("llm.mistral.mistral-large-2.1");
    expect(VERSION).toBe((JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version);
    expect(actionTypeOf).toBe(modelCall.actionTypeOf);
    expect(estimateTokens).toBe(modelCall.estimateTokens);
  });
});
