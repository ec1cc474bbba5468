import { readFileSync } from "node:fs";
import { ApiError, GoogleGenAI, type GenerateContentResponse } from "@google/genai";
import { createTestOrg, freePort } from "@gatehouse/db/testing";
import { APIConnectionError, BudgetExceededError, Gatehouse } from "@gatehouse/sdk";
import * as modelCall from "@gatehouse/sdk/model-call";
import { beforeEach, describe, expect, it } from "vitest";
import { listeningApp } from "../../../../apps/api/test/helpers.ts";
import { VERSION, actionTypeOf, estimateTokens, flushReports, wrapGoogleGenAI } from "../src/index.ts";
import { standIn, type Received, type Reply } from "./stand-in.ts";

/**
 * Google's official Gen AI client, wrapped, against a loopback stand-in that speaks the Gemini API's
 * wire format and a real Gatehouse API: each generateContent call is decided (its spend declared)
 * before a request leaves, refused calls send nothing, and each answer's usage, streamed or not, cached
 * input and thoughts included, settles the decision's reservation.
 */

const api = listeningApp();
const provider = standIn();
/** What happened, in order: Gatehouse's decisions and outcomes, and requests reaching the stand-in. */
let timeline: string[] = [];

beforeEach(() => {
  provider.received.length = 0;
  timeline = [];
});

const clientOf = () => new GoogleGenAI({ apiKey: "test", httpOptions: { baseUrl: provider.url, retryOptions: { attempts: 1 } } });

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
  const ai = wrapGoogleGenAI(clientOf(), gatehouse);
  return { gatehouse, ai, declared, integrations };
}

/** The outcomes the agent reported, newest first. */
async function outcomesOf(gatehouse: Gatehouse) {
  const { events } = await gatehouse.audit.list({ type: "action.outcome", limit: 20 });
  return events.flatMap((entry) => (entry.type === "action.outcome" ? [entry.data] : []));
}

function answer(reply: (request: Received) => Reply): void {
  provider.answer = (request) => {
    timeline.push(`google ${request.path}`);
    return reply(request);
  };
}

const MODEL = "gemini-2.5-flash";
const ANSWERED = "gemini-2.5-flash-001";
const systemInstruction = "You keep repositories tidy.";
const contents = "Summarize the README in one line.";

const response = {
  candidates: [{ content: { role: "model", parts: [{ text: "A governance layer for agents." }] }, finishReason: "STOP", index: 0 }],
  usageMetadata: { promptTokenCount: 1200, cachedContentTokenCount: 1000, candidatesTokenCount: 30, thoughtsTokenCount: 20, totalTokenCount: 1250 },
  modelVersion: ANSWERED,
  responseId: "resp_1",
};

/** A stream as the Gemini API sends it: every chunk carries the usage so far; `usage: false` leaves it out, `error: true` ends with an error chunk. */
function chunkStream(options: { usage?: boolean; error?: boolean } = {}): Reply {
  const usage = (candidates: number) =>
    options.usage === false ? {} : { usageMetadata: { promptTokenCount: 425, cachedContentTokenCount: 400, candidatesTokenCount: candidates, totalTokenCount: 425 + candidates } };
  const chunk = (text: string, candidates: number, finish?: string) => ({
    candidates: [{ content: { role: "model", parts: [{ text }] }, index: 0, ...(finish ? { finishReason: finish } : {}) }],
    ...usage(candidates),
    modelVersion: ANSWERED,
    responseId: "resp_2",
  });
  const chunks = [chunk("A governance ", 3), chunk("layer.", 15, "STOP")];
  if (options.error === true) return { events: [{ data: chunks[0] }, { data: { error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" } } }] };
  return { events: chunks.map((data) => ({ data })) };
}

const text = (chunks: GenerateContentResponse[]) => chunks.map((chunk) => chunk.text ?? "").join("");

describe("wrapGoogleGenAI: Google's official Gen AI client, governed", () => {
  it("decides a call before its request leaves, declaring model and tokens, and settles the usage Google reported, cached input and thoughts included", async () => {
    const { gatehouse, ai, declared, integrations } = await setup("gg-call");
    answer(() => ({ status: 200, json: response }));

    const result = await ai.models.generateContent({ model: MODEL, contents, config: { systemInstruction, maxOutputTokens: 1024 } });
    await flushReports(ai);

    expect(result.text).toBe("A governance layer for agents.");
    expect(timeline).toEqual(["gatehouse decide", `google /v1/models/${MODEL}:generateContent`, "gatehouse report"]);
    expect(provider.received[0]?.body).toMatchObject({
      contents: [{ role: "user", parts: [{ text: contents }] }],
      systemInstruction: { parts: [{ text: systemInstruction }] },
      generationConfig: { maxOutputTokens: 1024 },
    });
    expect(declared).toEqual([
      expect.objectContaining({
        actionType: "llm.google.gemini-2.5-flash",
        spend: { model: MODEL, inputTokens: estimateTokens([systemInstruction, contents]), maxOutputTokens: 1024 },
        metadata: { provider: "google", model: MODEL, stream: false, requestDigest: expect.stringMatching(/^[0-9a-f]{64}$/) },
      }),
    ]);
    expect(await outcomesOf(gatehouse)).toEqual([
      expect.objectContaining({
        actionType: "llm.google.gemini-2.5-flash",
        status: "success",
        usage: { model: ANSWERED, inputTokens: 1200, outputTokens: 50, cachedInputTokens: 1000 },
        // gemini-2.5-flash: $0.30 per million input tokens, $0.075 cached, $2.50 output (thoughts are output).
        spend: expect.objectContaining({ model: ANSWERED, tokens: 1250, micros: 200 * 0.3 + 1000 * 0.075 + 50 * 2.5 }),
      }),
    ]);
    expect(integrations).toEqual(new Set([`google-genai/${VERSION}`]));
  });

  it("declares candidateCount times maxOutputTokens, and a models/ prefix is not part of the action's name", async () => {
    const { ai, declared } = await setup("gg-candidates");
    answer(() => ({ status: 200, json: response }));

    await ai.models.generateContent({ model: `models/${MODEL}`, contents, config: { maxOutputTokens: 300, candidateCount: 3 } });
    await ai.models.generateContent({ model: MODEL, contents });
    await flushReports(ai);

    expect(declared.map((d) => [d.actionType, (d.spend as { maxOutputTokens: number }).maxOutputTokens])).toEqual([
      ["llm.google.gemini-2.5-flash", 900],
      ["llm.google.gemini-2.5-flash", 4096],
    ]);
  });

  it("refuses a call that would go over its budget with BudgetExceededError, and Google receives nothing", async () => {
    const { ai, declared } = await setup("gg-budget", 500);
    answer(() => ({ status: 200, json: response }));

    const refused = await ai.models.generateContent({ model: MODEL, contents, config: { maxOutputTokens: 1000 } }).catch((error: unknown) => error);
    const refusedStream = await ai.models.generateContentStream({ model: MODEL, contents, config: { maxOutputTokens: 1000 } }).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(BudgetExceededError);
    expect(refused).toMatchObject({ result: { denialReason: "BUDGET_EXCEEDED" }, budget: { name: "llm", per: "agent-day", limit: { tokens: 500 }, exceeded: true } });
    expect(refusedStream).toBeInstanceOf(BudgetExceededError);
    expect(declared).toHaveLength(2);
    expect(declared[0]).toEqual(expect.objectContaining({ spend: { model: MODEL, inputTokens: estimateTokens([contents]), maxOutputTokens: 1000 } }));
    expect(provider.received).toEqual([]);
  });

  it("streams every chunk as Google sent it and settles the last chunk's usage when it ends", async () => {
    const { gatehouse, ai, declared } = await setup("gg-stream");
    answer(() => chunkStream());

    const stream = await ai.models.generateContentStream({ model: MODEL, contents, config: { maxOutputTokens: 64 } });
    const seen: GenerateContentResponse[] = [];
    for await (const chunk of stream) seen.push(chunk);
    await flushReports(ai);

    expect(text(seen)).toBe("A governance layer.");
    expect(seen.map((chunk) => chunk.candidates?.[0]?.finishReason)).toEqual([undefined, "STOP"]);
    expect(provider.received[0]?.path).toBe(`/v1/models/${MODEL}:streamGenerateContent?alt=sse`);
    expect(declared).toEqual([expect.objectContaining({ metadata: expect.objectContaining({ provider: "google", model: MODEL, stream: true }) })]);
    expect(await outcomesOf(gatehouse)).toEqual([
      expect.objectContaining({
        status: "success",
        usage: { model: ANSWERED, inputTokens: 425, outputTokens: 15, cachedInputTokens: 400 },
        spend: expect.objectContaining({ tokens: 440 }),
      }),
    ]);
  });

  it("settles a stream that carried no usage, or that the caller broke off, at the declared maximum, flagged estimated", async () => {
    const { gatehouse, ai } = await setup("gg-estimated");
    answer((request) => chunkStream({ usage: !String(request.raw).includes("quiet") }));

    const quiet = await ai.models.generateContentStream({ model: MODEL, contents: "quiet", config: { maxOutputTokens: 200 } });
    for await (const chunk of quiet) expect(chunk.usageMetadata).toBeUndefined();
    const broken = await ai.models.generateContentStream({ model: MODEL, contents, config: { maxOutputTokens: 70 } });
    for await (const _ of broken) break;
    await flushReports(ai);

    // Each stream reports in the background when it ends: the two may land in either order.
    expect((await outcomesOf(gatehouse)).sort((a, b) => String(a.status).localeCompare(String(b.status)))).toEqual([
      // The input as the first chunk counted it; the output at the most the request allowed.
      expect.objectContaining({ status: "partial", usage: { model: ANSWERED, inputTokens: 425, cachedInputTokens: 400, outputTokens: 70, estimated: true } }),
      expect.objectContaining({
        status: "success",
        usage: { model: MODEL, inputTokens: estimateTokens(["quiet"]), outputTokens: 200, estimated: true },
        spend: expect.objectContaining({ estimated: true }),
      }),
    ]);
  });

  it("reports Google's error, answered or streamed, as a failure (settled at what was reserved) and rethrows that error unchanged", async () => {
    const { gatehouse, ai } = await setup("gg-error");
    answer((request) =>
      request.path.includes(":streamGenerateContent")
        ? chunkStream({ error: true })
        : { status: 400, json: { error: { code: 400, message: "maxOutputTokens: too large", status: "INVALID_ARGUMENT" } } },
    );

    const answered = await ai.models.generateContent({ model: MODEL, contents, config: { maxOutputTokens: 100 } }).catch((error: unknown) => error);
    const stream = await ai.models.generateContentStream({ model: MODEL, contents, config: { maxOutputTokens: 50 } });
    const streamedError = await (async () => {
      for await (const _ of stream);
    })().catch((error: unknown) => error);
    await flushReports(ai);

    expect(answered).toBeInstanceOf(ApiError);
    expect(answered).toMatchObject({ status: 400, message: expect.stringContaining("maxOutputTokens: too large") });
    expect(streamedError).toBeInstanceOf(Error);
    expect(String(streamedError)).toContain("overloaded");
    const estimate = estimateTokens([contents]);
    const outcomes = await outcomesOf(gatehouse);
    expect(outcomes).toEqual([
      expect.objectContaining({ status: "failure", spend: expect.objectContaining({ tokens: estimate + 50, estimated: true }) }),
      expect.objectContaining({ status: "failure", spend: expect.objectContaining({ tokens: estimate + 100, estimated: true }) }),
    ]);
    expect(outcomes.map((outcome) => outcome.usage)).toEqual([undefined, undefined]);
  });

  it("fails closed: when Gatehouse cannot be reached the call throws, and nothing is sent to Google", async () => {
    const org = await createTestOrg({ label: "gg-down" });
    const gatehouse = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: `http://127.0.0.1:${await freePort()}`, maxRetries: 0, heartbeat: false });
    const ai = wrapGoogleGenAI(clientOf(), gatehouse);
    answer(() => ({ status: 200, json: response }));

    await expect(ai.models.generateContent({ model: MODEL, contents })).rejects.toBeInstanceOf(APIConnectionError);
    await expect(ai.models.generateContentStream({ model: MODEL, contents })).rejects.toBeInstanceOf(APIConnectionError);
    await expect(ai.chats.create({ model: MODEL }).sendMessage({ message: "hi" })).rejects.toBeInstanceOf(APIConnectionError);
    expect(provider.received).toEqual([]);
  });

  it("refuses automatic function calling with callable tools before anything is asked or sent: the SDK would send the tools' results itself", async () => {
    const { ai, declared } = await setup("gg-afc");
    answer(() => ({ status: 200, json: response }));
    const tool = {
      tool: async () => ({ functionDeclarations: [{ name: "lookup", description: "Looks up a ticket" }] }),
      callTool: async () => [],
    };

    const refused = await ai.models.generateContent({ model: MODEL, contents, config: { tools: [tool] } }).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(TypeError);
    expect(String(refused)).toContain("automaticFunctionCalling.disable");
    expect(declared).toEqual([]);
    expect(provider.received).toEqual([]);
  });

  it("governs the SDK's chats (each message a call of its own), and a second wrapping governs a copy with its own settings, leaving the first as it was", async () => {
    const { gatehouse, ai, declared } = await setup("gg-chats");
    answer((request) => (request.path.includes(":streamGenerateContent") ? chunkStream() : { status: 200, json: response }));

    const chat = ai.chats.create({ model: MODEL, config: { maxOutputTokens: 10 } });
    const first = await chat.sendMessage({ message: "Hello" });
    const streamed: GenerateContentResponse[] = [];
    for await (const chunk of await chat.sendMessageStream({ message: "Again" })) streamed.push(chunk);
    const copy = wrapGoogleGenAI(ai, gatehouse, { defaultMaxOutputTokens: 40, metadata: { run: "copy" } });
    await copy.models.generateContent({ model: MODEL, contents });
    await copy.chats.create({ model: MODEL }).sendMessage({ message: "From the copy" });
    await ai.models.generateContent({ model: MODEL, contents });
    await flushReports(ai);
    await flushReports(copy);

    expect(first.text).toBe("A governance layer for agents.");
    expect(text(streamed)).toBe("A governance layer.");
    expect(copy).not.toBe(ai);
    expect(declared.map((d) => [(d.spend as { maxOutputTokens: number }).maxOutputTokens, (d.metadata as { stream: boolean; run?: string }).run ?? null])).toEqual([
      [10, null],
      [10, null],
      [40, "copy"],
      [40, "copy"],
      [4096, null],
    ]);
    // The chat's second message carries its first turn: one request per message, each decided once.
    expect(provider.received).toHaveLength(5);
    expect((await outcomesOf(gatehouse)).map((outcome) => outcome.status)).toEqual(["success", "success", "success", "success", "success"]);
  });

  it("names the action llm.google.<model>; VERSION is package.json's; the governed call is the SDK's (@gatehouse/sdk/model-call), not a copy", () => {
    expect(actionTypeOf("google", "Gemini 2.5 Pro")).toBe("llm.google.gemini-2.5-pro");
    expect(VERSION).toBe((JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version);
    expect(actionTypeOf).toBe(modelCall.actionTypeOf);
    expect(estimateTokens).toBe(modelCall.estimateTokens);
  });
});
