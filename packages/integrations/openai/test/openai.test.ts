import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createTestOrg, freePort } from "@gatehouse/db/testing";
import { APIConnectionError, BudgetExceededError, DeniedError, Gatehouse } from "@gatehouse/sdk";
import * as modelCall from "@gatehouse/sdk/model-call";
import OpenAI from "openai";
import { beforeEach, describe, expect, it } from "vitest";
import { listeningApp } from "../../../../apps/api/test/helpers.ts";
import { VERSION, actionTypeOf, estimateTokens, flushReports, wrapOpenAI } from "../src/index.ts";
import { standIn, type Received, type Reply } from "./stand-in.ts";

/**
 * The official OpenAI client, wrapped, against a loopback stand-in that speaks OpenAI's wire format and
 * a real Gatehouse API: each call is decided (its spend declared) before a request leaves, refused
 * calls send nothing, and each answer's usage, streamed or not, settles the decision's reservation.
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
  const openai = wrapOpenAI(new OpenAI({ apiKey: "test", baseURL: provider.url, maxRetries: 0 }), gatehouse);
  return { gatehouse, openai, declared, integrations };
}

/** The outcomes the agent reported, newest first. */
async function outcomesOf(gatehouse: Gatehouse) {
  const { events } = await gatehouse.audit.list({ type: "action.outcome", limit: 20 });
  return events.flatMap((entry) => (entry.type === "action.outcome" ? [entry.data] : []));
}

function answer(reply: (request: Received) => Reply): void {
  provider.answer = (request) => {
    timeline.push(`openai ${request.path}`);
    return reply(request);
  };
}

const sha256 = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("hex");
const HEX64 = expect.stringMatching(/^[0-9a-f]{64}$/);

const MODEL = "gpt-4o-mini";
const ANSWERED = "gpt-4o-mini-2024-07-18";
const messages = [{ role: "user" as const, content: "Summarize the README in one line." }];

const completion = {
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1_764_000_000,
  model: ANSWERED,
  choices: [{ index: 0, message: { role: "assistant", content: "A governance layer for agents.", refusal: null, annotations: [] }, logprobs: null, finish_reason: "stop" }],
  usage: {
    prompt_tokens: 1200,
    completion_tokens: 9,
    total_tokens: 1209,
    prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  },
  service_tier: "default",
  system_fingerprint: "fp_1",
};

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: "chatcmpl-2",
  object: "chat.completion.chunk",
  created: 1_764_000_000,
  model: ANSWERED,
  system_fingerprint: "fp_1",
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
});
const CHUNKS = [chunk({ role: "assistant", content: "", refusal: null }), chunk({ content: "A governance " }), chunk({ content: "layer." }), chunk({}, "stop")];
const usageChunk = { ...chunk({}), choices: [], usage: { prompt_tokens: 40, completion_tokens: 3, total_tokens: 43, prompt_tokens_details: { cached_tokens: 0 } } };

/** A chat stream as OpenAI sends it: with `include_usage`, every chunk carries `usage: null` and a last chunk carries the usage. */
function chatStream(request: Received): Reply {
  const withUsage = (request.body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  const data = withUsage ? [...CHUNKS.map((c) => ({ ...c, usage: null })), usageChunk] : CHUNKS;
  return { events: data.map((d) => ({ data: d })), done: true };
}

const response = (status: string, usage: unknown) => ({
  id: "resp_1",
  object: "response",
  created_at: 1_764_000_000,
  status,
  model: ANSWERED,
  output:
    status === "completed"
      ? [{ type: "message", id: "msg_1", status: "completed", role: "assistant", content: [{ type: "output_text", text: "Done.", annotations: [], logprobs: [] }] }]
      : [],
  parallel_tool_calls: true,
  tool_choice: "auto",
  tools: [],
  usage,
});
const responseUsage = { input_tokens: 300, input_tokens_details: { cached_tokens: 100 }, output_tokens: 20, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 320 };

describe("wrapOpenAI: the official OpenAI client, governed", () => {
  it("decides a chat completion before its request leaves, declaring model and tokens, and settles the usage OpenAI reported", async () => {
    const { gatehouse, openai, declared, integrations } = await setup("oai-chat");
    answer(() => ({ status: 200, json: completion }));

    const result = await openai.chat.completions.create({ model: MODEL, messages, max_completion_tokens: 300 });
    await flushReports(openai);

    expect(result.choices[0]?.message.content).toBe("A governance layer for agents.");
    expect(timeline).toEqual(["gatehouse decide", "openai /v1/chat/completions", "gatehouse report"]);
    expect(provider.received.map((r) => r.body)).toEqual([{ model: MODEL, messages, max_completion_tokens: 300 }]);
    expect(declared).toEqual([
      expect.objectContaining({
        actionType: "llm.openai.gpt-4o-mini",
        spend: { model: MODEL, inputTokens: estimateTokens([messages]), maxOutputTokens: 300 },
        metadata: { provider: "openai", model: MODEL, stream: false, requestDigest: sha256({ model: MODEL, messages, max_completion_tokens: 300 }) },
      }),
    ]);
    expect(await outcomesOf(gatehouse)).toEqual([
      expect.objectContaining({
        actionType: "llm.openai.gpt-4o-mini",
        status: "success",
        usage: { model: ANSWERED, inputTokens: 1200, outputTokens: 9, cachedInputTokens: 1024 },
        spend: expect.objectContaining({ model: ANSWERED, tokens: 1209, micros: Math.ceil(176 * 0.15 + 1024 * 0.075 + 9 * 0.6) }),
      }),
    ]);
    expect(integrations).toEqual(new Set([`openai/${VERSION}`]));
  });

  it("refuses a call that would go over its budget with BudgetExceededError, and OpenAI receives nothing", async () => {
    const { openai, declared } = await setup("oai-budget", 500);
    answer(() => ({ status: 200, json: completion }));

    const refused = await openai.chat.completions.create({ model: MODEL, messages, max_tokens: 1000 }).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(BudgetExceededError);
    expect(refused).toMatchObject({ result: { denialReason: "BUDGET_EXCEEDED" }, budget: { name: "llm", per: "agent-day", limit: { tokens: 500 }, exceeded: true } });
    expect(declared).toEqual([expect.objectContaining({ spend: { model: MODEL, inputTokens: estimateTokens([messages]), maxOutputTokens: 1000 } })]);
    expect(provider.received).toEqual([]);
  });

  it("streams a chat completion chunk by chunk as OpenAI sent it, asking for its usage, and settles that usage when it ends", async () => {
    const { gatehouse, openai } = await setup("oai-stream");
    answer(chatStream);

    const stream = await openai.chat.completions.create({ model: MODEL, messages, stream: true, max_completion_tokens: 50 });
    const seen: unknown[] = [];
    for await (const part of stream) seen.push(part);
    await flushReports(openai);

    expect(provider.received[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    // Every chunk the caller would have had without the wrapper; the usage chunk only the wrapper asked for is its own.
    expect(seen).toEqual(CHUNKS.map((c) => ({ ...c, usage: null })));
    expect(await outcomesOf(gatehouse)).toEqual([
      expect.objectContaining({ status: "success", usage: { model: ANSWERED, inputTokens: 40, outputTokens: 3 }, spend: expect.objectContaining({ tokens: 43 }) }),
    ]);
  });

  it("settles a stream that carried no usage, or that the caller broke off, at the declared maximum, flagged estimated", async () => {
    const { gatehouse, openai } = await setup("oai-estimated");
    answer(chatStream);

    const quiet = await openai.chat.completions.create({ model: MODEL, messages, stream: true, stream_options: { include_usage: false }, max_tokens: 200 });
    const seen: unknown[] = [];
    for await (const part of quiet) seen.push(part);
    const broken = await openai.chat.completions.create({ model: MODEL, messages, stream: true, max_tokens: 70 });
    for await (const part of broken) if (part.choices.length > 0) break;
    await flushReports(openai);

    expect(seen).toEqual(CHUNKS);
    const estimate = estimateTokens([messages]);
    // Each stream reports in the background when it ends: the two may land in either order.
    expect((await outcomesOf(gatehouse)).sort((a, b) => String(a.status).localeCompare(String(b.status)))).toEqual([
      expect.objectContaining({ status: "partial", usage: { model: MODEL, inputTokens: estimate, outputTokens: 70, estimated: true } }),
      expect.objectContaining({
        status: "success",
        usage: { model: MODEL, inputTokens: estimate, outputTokens: 200, estimated: true },
        spend: expect.objectContaining({ tokens: estimate + 200, estimated: true }),
      }),
    ]);
  });

  it("governs responses.create, plain and streamed, settling input_tokens, output_tokens and cached tokens", async () => {
    const { gatehouse, openai, declared } = await setup("oai-responses");
    answer((request) =>
      request.body.stream === true
        ? {
            events: [
              { event: "response.created", data: { type: "response.created", sequence_number: 0, response: response("in_progress", null) } },
              {
                event: "response.output_text.delta",
                data: { type: "response.output_text.delta", sequence_number: 1, item_id: "msg_1", output_index: 0, content_index: 0, delta: "Done.", logprobs: [] },
              },
              { event: "response.completed", data: { type: "response.completed", sequence_number: 2, response: response("completed", responseUsage) } },
            ],
          }
        : { status: 200, json: response("completed", responseUsage) },
    );

    const plain = await openai.responses.create({ model: MODEL, instructions: "Be brief.", input: "Summarize the README.", max_output_tokens: 100 });
    const types: string[] = [];
    for await (const event of await openai.responses.create({ model: MODEL, input: "Again.", stream: true })) types.push(event.type);
    await flushReports(openai);

    expect(plain.output_text).toBe("Done.");
    expect(types).toEqual(["response.created", "response.output_text.delta", "response.completed"]);
    expect(declared.map((d) => d.spend)).toEqual([
      { model: MODEL, inputTokens: estimateTokens(["Be brief.", "Summarize the README."]), maxOutputTokens: 100 },
      { model: MODEL, inputTokens: estimateTokens(["Again."]), maxOutputTokens: 4096 },
    ]);
    const usage = { model: ANSWERED, inputTokens: 300, outputTokens: 20, cachedInputTokens: 100 };
    expect(await outcomesOf(gatehouse)).toEqual([expect.objectContaining({ status: "success", usage }), expect.objectContaining({ status: "success", usage })]);
  });

  it("reports OpenAI's error as a failure (settled at what was reserved) and rethrows that error unchanged", async () => {
    const { gatehouse, openai } = await setup("oai-error");
    answer(() => ({ status: 400, json: { error: { message: "max_tokens is too large", type: "invalid_request_error", param: "max_tokens", code: null } } }));

    const failed = await openai.chat.completions.create({ model: MODEL, messages, max_tokens: 100 }).catch((error: unknown) => error);
    await flushReports(openai);

    expect(failed).toBeInstanceOf(OpenAI.BadRequestError);
    expect(failed).toMatchObject({ status: 400, message: expect.stringContaining("max_tokens is too large") });
    const [outcome] = await outcomesOf(gatehouse);
    expect(outcome).toMatchObject({ status: "failure", spend: { tokens: estimateTokens([messages]) + 100, estimated: true } });
    expect(outcome?.usage).toBeUndefined();
  });

  it("fails closed: when Gatehouse cannot be reached the call throws, and nothing is sent to OpenAI", async () => {
    const org = await createTestOrg({ label: "oai-down" });
    const gatehouse = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: `http://127.0.0.1:${await freePort()}`, maxRetries: 0, heartbeat: false });
    const openai = wrapOpenAI(new OpenAI({ apiKey: "test", baseURL: provider.url, maxRetries: 0 }), gatehouse);
    answer(() => ({ status: 200, json: completion }));

    await expect(openai.chat.completions.create({ model: MODEL, messages })).rejects.toBeInstanceOf(APIConnectionError);
    await expect(openai.responses.create({ model: MODEL, input: "hi", stream: true })).rejects.toBeInstanceOf(APIConnectionError);
    expect(provider.received).toEqual([]);
  });

  it("governs what the SDK builds on create: withResponse(), the chat.completions.stream() helper and a withOptions() copy", async () => {
    const { openai, declared } = await setup("oai-helpers");
    answer((request) => (request.body.stream === true ? chatStream(request) : { status: 200, json: completion }));

    const { data, response: raw } = await openai.chat.completions.create({ model: MODEL, messages }).withResponse();
    const helper = openai.chat.completions.stream({ model: MODEL, messages });
    const final = await helper.finalChatCompletion();
    const copy = openai.withOptions({ timeout: 5_000 });
    await copy.chat.completions.create({ model: MODEL, messages });
    await Promise.all([flushReports(openai), flushReports(copy)]);

    expect([data.id, raw.headers.get("x-request-id")]).toEqual(["chatcmpl-1", "req_1"]);
    expect(final.choices[0]?.message.content).toBe("A governance layer.");
    expect(declared.map((d) => [d.actionType, (d.metadata as { stream: boolean }).stream])).toEqual([
      ["llm.openai.gpt-4o-mini", false],
      ["llm.openai.gpt-4o-mini", true],
      ["llm.openai.gpt-4o-mini", false],
    ]);
    expect(provider.received).toHaveLength(3);
  });

  it("declares the options (a RunClient's run or runId, metadata, defaultMaxOutputTokens); a report that fails goes to onReportError and the answer stands", async () => {
    const { gatehouse, declared } = await setup("oai-options");
    answer(() => ({ status: 200, json: completion }));
    const reportErrors: Array<[string, string]> = [];
    const inRun = wrapOpenAI(new OpenAI({ apiKey: "test", baseURL: provider.url, maxRetries: 0 }), gatehouse.withRun("triage-4512", { name: "triage #4512" }), {
      metadata: { team: "ops", provider: "not this" },
      defaultMaxOutputTokens: 512,
    });
    const named = wrapOpenAI(new OpenAI({ apiKey: "test", baseURL: provider.url, maxRetries: 0 }), gatehouse, {
      runId: "nightly-7",
      onReportError: (error, auditEventId) => reportErrors.push([(error as Error).name, auditEventId]),
    });

    await inRun.chat.completions.create({ model: MODEL, messages });
    await flushReports(inRun);
    const decided = await named.chat.completions.create({ model: MODEL, messages, max_tokens: 5 });
    await flushReports(named);

    expect(decided.id).toBe("chatcmpl-1");
    expect(declared).toEqual([
      expect.objectContaining({
        runId: "triage-4512",
        runName: "triage #4512",
        metadata: { team: "ops", provider: "openai", model: MODEL, stream: false, requestDigest: HEX64 },
        spend: expect.objectContaining({ maxOutputTokens: 512 }),
      }),
      expect.objectContaining({
        runId: "nightly-7",
        metadata: { provider: "openai", model: MODEL, stream: false, requestDigest: HEX64 },
        spend: expect.objectContaining({ maxOutputTokens: 5 }),
      }),
    ]);
    expect(reportErrors).toEqual([]);
    // The run counts what its model call used, as OpenAI reported it.
    const run = await gatehouse.getRun("triage-4512");
    expect(run.run.spend.tokens).toBe(1209);
    expect(run.timeline).toContainEqual(
      expect.objectContaining({ type: "outcome", actionType: "llm.openai.gpt-4o-mini", spend: expect.objectContaining({ tokens: 1209, model: ANSWERED }) }),
    );

    // Gatehouse stops answering after the decision: the call's answer stands, and the failed report is heard.
    const flaky = new Gatehouse({
      apiKey: (await createTestOrg({ label: "oai-flaky", policies: [{ name: "llm", actions: ["llm.*"], effect: "allow" }] })).agent.apiKey,
      baseUrl: api.url,
      maxRetries: 0,
      fetch: (input, init) => (String(input).endsWith("/outcome") ? Promise.reject(new TypeError("connection reset")) : fetch(input, init)),
    });
    const heard: string[] = [];
    const unlucky = wrapOpenAI(new OpenAI({ apiKey: "test", baseURL: provider.url, maxRetries: 0 }), flaky, { onReportError: (error) => heard.push((error as Error).name) });
    expect((await unlucky.chat.completions.create({ model: MODEL, messages })).id).toBe("chatcmpl-1");
    await flushReports(unlucky);
    expect(heard).toEqual(["APIConnectionError"]);
  });

  it("tells a conversation's turns apart by their request's digest: 22 different calls in a row are no loop, the same request past the limit is", async () => {
    const { openai } = await setup("oai-loops");
    answer(() => ({ status: 200, json: completion }));

    for (let turn = 0; turn < 22; turn += 1) await openai.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: `turn ${turn}` }], max_tokens: 10 });
    const same = () => openai.chat.completions.create({ model: MODEL, messages, max_tokens: 10 });
    for (let again = 0; again < 20; again += 1) await same();
    const looped = await same().catch((error: unknown) => error);

    expect(looped).toBeInstanceOf(DeniedError);
    expect(looped).toMatchObject({ result: { denialReason: "LOOP_DETECTED" } });
    expect(provider.received).toHaveLength(42);
  });

  it("names the action llm.openai.<model> in the characters an action type allows; VERSION is package.json's; the governed call is the SDK's (@gatehouse/sdk/model-call), not a copy", () => {
    expect(actionTypeOf("openai", "ft:gpt-4o-mini:Acme Corp::9xZ")).toBe("llm.openai.ft:gpt-4o-mini:acme-corp::9xz");
    expect(actionTypeOf("openai", "x".repeat(300))).toHaveLength(128);
    expect(VERSION).toBe((JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version);
    // The code @gatehouse/anthropic shares lives once, in the SDK: what this package exports of it is the SDK's own functions.
    expect(actionTypeOf).toBe(modelCall.actionTypeOf);
    expect(estimateTokens).toBe(modelCall.estimateTokens);
  });
});
