import { readFileSync } from "node:fs";
import Anthropic from "@anthropic-ai/sdk";
import { createTestOrg, freePort } from "@gatehouse/db/testing";
import { APIConnectionError, BudgetExceededError, Gatehouse } from "@gatehouse/sdk";
import * as modelCall from "@gatehouse/sdk/model-call";
import { beforeEach, describe, expect, it } from "vitest";
import { listeningApp } from "../../../../apps/api/test/helpers.ts";
import { VERSION, actionTypeOf, estimateTokens, flushReports, wrapAnthropic } from "../src/index.ts";
import { standIn, type Received, type Reply } from "./stand-in.ts";

/**
 * The official Anthropic client, wrapped, against a loopback stand-in that speaks Anthropic's wire
 * format and a real Gatehouse API: each message is decided (its spend declared) before a request
 * leaves, refused calls send nothing, and each answer's usage, streamed or not, cache reads and writes
 * included, settles the decision's reservation.
 */

const api = listeningApp();
const provider = standIn();
/** What happened, in order: Gatehouse's decisions and outcomes, and requests reaching the stand-in. */
let timeline: string[] = [];

beforeEach(() => {
  provider.received.length = 0;
  timeline = [];
});

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
  const anthropic = wrapAnthropic(new Anthropic({ apiKey: "test", baseURL: provider.url, maxRetries: 0 }), gatehouse);
  return { gatehouse, anthropic, declared, integrations };
}

/** The outcomes the agent reported, newest first. */
async function outcomesOf(gatehouse: Gatehouse) {
  const { events } = await gatehouse.audit.list({ type: "action.outcome", limit: 20 });
  return events.flatMap((entry) => (entry.type === "action.outcome" ? [entry.data] : []));
}

function answer(reply: (request: Received) => Reply): void {
  provider.answer = (request) => {
    timeline.push(`anthropic ${request.path}`);
    return reply(request);
  };
}

const MODEL = "claude-haiku-4-5";
const ANSWERED = "claude-haiku-4-5-20251001";
const system = "You keep repositories tidy.";
const messages = [{ role: "user" as const, content: "Summarize the README in one line." }];

const message = {
  id: "msg_1",
  type: "message",
  role: "assistant",
  model: ANSWERED,
  content: [{ type: "text", text: "A governance layer for agents.", citations: null }],
  stop_reason: "end_turn",
  stop_sequence: null,
  usage: { input_tokens: 50, cache_creation_input_tokens: 200, cache_read_input_tokens: 1000, output_tokens: 30, service_tier: "standard" },
};

/** A message stream as Anthropic sends it; `usage: false` leaves out the message_delta that carries the output's usage. */
function messageStream(options: { usage?: boolean; error?: boolean } = {}): Reply {
  const events: Array<{ event: string; data: unknown }> = [
    {
      event: "message_start",
      data: {
        type: "message_start",
        message: {
          ...message,
          id: "msg_2",
          content: [],
          stop_reason: null,
          usage: { input_tokens: 25, cache_creation_input_tokens: 0, cache_read_input_tokens: 400, output_tokens: 1 },
        },
      },
    },
    { event: "content_block_start", data: { type: "content_block_start", index: 0, content_block: { type: "text", text: "", citations: null } } },
    { event: "ping", data: { type: "ping" } },
    { event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "A governance " } } },
    { event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "layer." } } },
    { event: "content_block_stop", data: { type: "content_block_stop", index: 0 } },
  ];
  if (options.error === true) return { events: [...events.slice(0, 4), { event: "error", data: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } }] };
  if (options.usage !== false)
    events.push({ event: "message_delta", data: { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 15 } } });
  events.push({ event: "message_stop", data: { type: "message_stop" } });
  return { events };
}
/** The events the SDK hands the caller (it drops pings). */
const streamed = (reply: Reply) => ("events" in reply ? reply.events.filter((e) => e.event !== "ping").map((e) => e.data) : []);

describe("wrapAnthropic: the official Anthropic client, governed", () => {
  it("decides a message before its request leaves, declaring model and tokens, and settles the usage Anthropic reported, cache reads and writes included", async () => {
    const { gatehouse, anthropic, declared, integrations } = await setup("ant-message");
    answer(() => ({ status: 200, json: message }));

    const result = await anthropic.messages.create({ model: MODEL, system, messages, max_tokens: 1024 });
    await flushReports(anthropic);

    expect(result.content).toEqual(message.content);
    expect(timeline).toEqual(["gatehouse decide", "anthropic /v1/messages", "gatehouse report"]);
    expect(provider.received.map((r) => r.body)).toEqual([{ model: MODEL, system, messages, max_tokens: 1024 }]);
    expect(declared).toEqual([
      expect.objectContaining({
        actionType: "llm.anthropic.claude-haiku-4-5",
        spend: { model: MODEL, inputTokens: estimateTokens([system, messages]), maxOutputTokens: 1024 },
        metadata: { provider: "anthropic", model: MODEL, stream: false, requestDigest: expect.stringMatching(/^[0-9a-f]{64}$/) },
      }),
    ]);
    expect(await outcomesOf(gatehouse)).toEqual([
      expect.objectContaining({
        actionType: "llm.anthropic.claude-haiku-4-5",
        status: "success",
        usage: { model: ANSWERED, inputTokens: 1250, outputTokens: 30, cachedInputTokens: 1000, cacheWriteTokens: 200 },
        spend: expect.objectContaining({ model: ANSWERED, tokens: 1280, micros: 50 * 1 + 1000 * 0.1 + 200 * 1.25 + 30 * 5 }),
      }),
    ]);
    expect(integrations).toEqual(new Set([`anthropic/${VERSION}`]));
  });

  it("refuses a message that would go over its budget with BudgetExceededError, and Anthropic receives nothing", async () => {
    const { anthropic, declared } = await setup("ant-budget", 500);
    answer(() => ({ status: 200, json: message }));

    const refused = await anthropic.messages.create({ model: MODEL, messages, max_tokens: 1000 }).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(BudgetExceededError);
    expect(refused).toMatchObject({ result: { denialReason: "BUDGET_EXCEEDED" }, budget: { name: "llm", per: "agent-day", limit: { tokens: 500 }, exceeded: true } });
    expect(declared).toEqual([expect.objectContaining({ spend: { model: MODEL, inputTokens: estimateTokens([messages]), maxOutputTokens: 1000 } })]);
    expect(provider.received).toEqual([]);
  });

  it("streams every event as Anthropic sent it and settles message_start's and message_delta's usage when it ends", async () => {
    const { gatehouse, anthropic, declared } = await setup("ant-stream");
    answer(() => messageStream());

    const stream = await anthropic.messages.create({ model: MODEL, messages, max_tokens: 64, stream: true });
    const seen: unknown[] = [];
    for await (const event of stream) seen.push(event);
    await flushReports(anthropic);

    expect(seen).toEqual(streamed(messageStream()));
    expect(declared).toEqual([expect.objectContaining({ metadata: expect.objectContaining({ provider: "anthropic", model: MODEL, stream: true }) })]);
    expect(await outcomesOf(gatehouse)).toEqual([
      expect.objectContaining({
        status: "success",
        usage: { model: ANSWERED, inputTokens: 425, outputTokens: 15, cachedInputTokens: 400 },
        spend: expect.objectContaining({ tokens: 440 }),
      }),
    ]);
  });

  it("settles a stream that carried no output usage, or that the caller broke off, at the declared maximum, flagged estimated", async () => {
    const { gatehouse, anthropic } = await setup("ant-estimated");
    answer(() => messageStream({ usage: false }));

    const quiet = await anthropic.messages.create({ model: MODEL, messages, max_tokens: 200, stream: true });
    for await (const event of quiet) expect(event.type).not.toBe("message_delta");
    const broken = await anthropic.messages.create({ model: MODEL, messages, max_tokens: 70, stream: true });
    for await (const event of broken) if (event.type === "content_block_delta") break;
    await flushReports(anthropic);

    // The input as message_start counted it; the output at the most the request allowed.
    const input = { inputTokens: 425, cachedInputTokens: 400 };
    // Each stream reports in the background when it ends: the two may land in either order.
    expect((await outcomesOf(gatehouse)).sort((a, b) => String(a.status).localeCompare(String(b.status)))).toEqual([
      expect.objectContaining({ status: "partial", usage: { model: ANSWERED, ...input, outputTokens: 70, estimated: true } }),
      expect.objectContaining({
        status: "success",
        usage: { model: ANSWERED, ...input, outputTokens: 200, estimated: true },
        spend: expect.objectContaining({ tokens: 625, estimated: true }),
      }),
    ]);
  });

  it("reports Anthropic's error, answered or streamed, as a failure (settled at what was reserved) and rethrows that error unchanged", async () => {
    const { gatehouse, anthropic } = await setup("ant-error");
    answer((request) =>
      request.body.stream === true
        ? messageStream({ error: true })
        : { status: 400, json: { type: "error", error: { type: "invalid_request_error", message: "max_tokens: too large" } } },
    );

    const answered = await anthropic.messages.create({ model: MODEL, messages, max_tokens: 100 }).catch((error: unknown) => error);
    const stream = await anthropic.messages.create({ model: MODEL, messages, max_tokens: 50, stream: true });
    const streamedError = await (async () => {
      for await (const _ of stream);
    })().catch((error: unknown) => error);
    await flushReports(anthropic);

    expect(answered).toBeInstanceOf(Anthropic.BadRequestError);
    expect(answered).toMatchObject({ status: 400, message: expect.stringContaining("max_tokens: too large") });
    expect(streamedError).toBeInstanceOf(Anthropic.APIError);
    expect(streamedError).toMatchObject({ message: expect.stringContaining("Overloaded") });
    const estimate = estimateTokens([messages]);
    const outcomes = await outcomesOf(gatehouse);
    expect(outcomes).toEqual([
      expect.objectContaining({ status: "failure", spend: expect.objectContaining({ tokens: estimate + 50, estimated: true }) }),
      expect.objectContaining({ status: "failure", spend: expect.objectContaining({ tokens: estimate + 100, estimated: true }) }),
    ]);
    expect(outcomes.map((outcome) => outcome.usage)).toEqual([undefined, undefined]);
  });

  it("fails closed: when Gatehouse cannot be reached the call throws, and nothing is sent to Anthropic", async () => {
    const org = await createTestOrg({ label: "ant-down" });
    const gatehouse = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: `http://127.0.0.1:${await freePort()}`, maxRetries: 0, heartbeat: false });
    const anthropic = wrapAnthropic(new Anthropic({ apiKey: "test", baseURL: provider.url, maxRetries: 0 }), gatehouse);
    answer(() => ({ status: 200, json: message }));

    await expect(anthropic.messages.create({ model: MODEL, messages, max_tokens: 10 })).rejects.toBeInstanceOf(APIConnectionError);
    // The SDK's stream helper wraps an error that is not its own: Gatehouse's is its cause.
    const helper = await anthropic.messages
      .stream({ model: MODEL, messages, max_tokens: 10 })
      .finalMessage()
      .catch((error: unknown) => error);
    expect((helper as Error).cause).toBeInstanceOf(APIConnectionError);
    expect(provider.received).toEqual([]);
  });

  it("governs what the SDK builds on create: withResponse(), the messages.stream() helper, beta.messages and a withOptions() copy", async () => {
    const { gatehouse, anthropic, declared } = await setup("ant-helpers");
    answer((request) => (request.body.stream === true ? messageStream() : { status: 200, json: message }));

    const { data, response } = await anthropic.messages.create({ model: MODEL, messages, max_tokens: 10 }).withResponse();
    const final = await anthropic.messages.stream({ model: MODEL, messages, max_tokens: 20 }).finalMessage();
    await anthropic.beta.messages.create({ model: MODEL, messages, max_tokens: 30 });
    const copy = anthropic.withOptions({ timeout: 5_000 });
    await copy.messages.create({ model: MODEL, messages, max_tokens: 40 });
    await flushReports(copy);

    expect([data.id, response.status]).toEqual(["msg_1", 200]);
    expect(final.content).toEqual([{ type: "text", text: "A governance layer.", citations: null }]);
    expect(declared.map((d) => [(d.spend as { maxOutputTokens: number }).maxOutputTokens, (d.metadata as { stream: boolean }).stream])).toEqual([
      [10, false],
      [20, true],
      [30, false],
      [40, false],
    ]);
    expect(provider.received.map((r) => r.path)).toEqual(["/v1/messages", "/v1/messages", "/v1/messages", "/v1/messages"]);
    expect((await outcomesOf(gatehouse)).map((outcome) => outcome.status)).toEqual(["success", "success", "success", "success"]);
  });

  it("names the action llm.anthropic.<model>; VERSION is package.json's; the governed call is the SDK's (@gatehouse/sdk/model-call), not a copy", () => {
    expect(actionTypeOf("anthropic", "Claude Opus 4.1")).toBe("llm.anthropic.claude-opus-4.1");
    expect(VERSION).toBe((JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version);
    // The code @gatehouse/openai shares lives once, in the SDK: what this package exports of it is the SDK's own functions.
    expect(actionTypeOf).toBe(modelCall.actionTypeOf);
    expect(estimateTokens).toBe(modelCall.estimateTokens);
  });
});
