import Anthropic from "@anthropic-ai/sdk";
import { createTestOrg } from "@gatehouse/db/testing";
import { DeniedError, Gatehouse } from "@gatehouse/sdk";
import { beforeEach, describe, expect, it } from "vitest";
import { listeningApp } from "../../../../apps/api/test/helpers.ts";
import { flushReports, wrapAnthropic } from "../src/index.ts";
import { standIn, type Received, type Reply } from "./stand-in.ts";

/**
 * The guardrails of a model call (docs/guardrails.md) with the official Anthropic client against a
 * loopback stand-in of Anthropic's API and a real Gatehouse API: the system prompt, messages and tool
 * results are screened before they leave (checked in the bytes the stand-in received), personal data comes
 * back in the answer (streamed or not, and through the SDK's `messages.stream()` helper), a `deny` rule
 * sends nothing, and the log names findings, never values.
 */

const api = listeningApp();
const provider = standIn();

beforeEach(() => {
  provider.received.length = 0;
});

const EMAIL = "jane.doe@example.com";
// An Anthropic key's documented shape (sk-ant-api03- and 95 characters, ending AA), made up for the test.
const TOKEN = `sk-ant-api03-${"Zq7vX2kLp9".repeat(9)}abcAA`;
const MODEL = "claude-haiku-4-5";

async function setup(label: string, settings?: Record<string, unknown>) {
  const org = await createTestOrg({ label, policies: [{ name: "llm", actions: ["llm.*"], effect: "allow" }] });
  if (settings) {
    const changed = await fetch(`${api.url}/v1/admin/settings`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${org.adminKey.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify(settings),
    });
    expect(changed.status).toBe(200);
  }
  const gatehouse = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: api.url });
  const anthropic = wrapAnthropic(new Anthropic({ apiKey: "test", baseURL: provider.url, maxRetries: 0 }), gatehouse);
  return { org, gatehouse, anthropic };
}

const personalIn = (request: Received) => request.raw.match(/\[personal:email#[0-9a-f]{8}\]/)?.[0] ?? "?";

const messageOf = (text: string) => ({
  id: "msg_g",
  type: "message",
  role: "assistant",
  model: MODEL,
  content: [{ type: "text", text, citations: null }],
  stop_reason: "end_turn",
  stop_sequence: null,
  usage: { input_tokens: 50, output_tokens: 10 },
});

function streamOf(pieces: string[]): Reply {
  const start = { ...messageOf(""), content: [], stop_reason: null, usage: { input_tokens: 20, output_tokens: 1 } };
  return {
    events: [
      { event: "message_start", data: { type: "message_start", message: start } },
      { event: "content_block_start", data: { type: "content_block_start", index: 0, content_block: { type: "text", text: "", citations: null } } },
      ...pieces.map((text) => ({ event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text } } })),
      { event: "content_block_stop", data: { type: "content_block_stop", index: 0 } },
      { event: "message_delta", data: { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 9 } } },
      { event: "message_stop", data: { type: "message_stop" } },
    ],
  };
}

/** A conversation whose system prompt holds the token and whose tool result holds the email. */
const conversation = {
  model: MODEL,
  max_tokens: 512,
  system: `Deploy with ${TOKEN} when asked.`,
  messages: [
    { role: "user" as const, content: "Who asked for the report?" },
    { role: "assistant" as const, content: [{ type: "tool_use" as const, id: "toolu_1", name: "crm_lookup", input: { ticket: 4512 } }] },
    { role: "user" as const, content: [{ type: "tool_result" as const, tool_use_id: "toolu_1", content: `Requester: ${EMAIL}` }] },
  ],
};

describe("wrapAnthropic: what leaves for the provider, and what comes back", () => {
  it("with the defaults neither the system prompt's secret nor the tool result's email reaches the provider, and the answer has the email back", async () => {
    const { gatehouse, anthropic } = await setup("agrd-defaults");
    provider.answer = (request): Reply => ({ status: 200, json: messageOf(`It was ${personalIn(request)}.`) });

    const result = await anthropic.messages.create(conversation);
    await flushReports(anthropic);

    const sent = provider.received[0]?.raw ?? "";
    expect(sent).not.toContain(EMAIL);
    expect(sent).not.toContain(TOKEN);
    expect(sent).not.toContain(TOKEN.slice(13, 40));
    expect(result.content[0]?.type === "text" ? result.content[0].text : "").toBe(`It was ${EMAIL}.`);
    const { events } = await gatehouse.audit.list({ limit: 50 });
    expect(JSON.stringify(events)).not.toContain(EMAIL);
    expect(JSON.stringify(events)).not.toContain(TOKEN);
    const decided = events.find((entry) => entry.type === "action.decided");
    expect(decided?.type === "action.decided" ? decided.data.findings?.map((f) => `${f.detector}:${f.path}:${f.action}`) : []).toEqual([
      "anthropic_api_key:prompt.system:redacted",
      "email:prompt.messages[2].content[0].content:redacted",
    ]);
  });

  it("restores the email in a stream split mid-placeholder, through the SDK's messages.stream() helper and its finalMessage()", async () => {
    const { anthropic } = await setup("agrd-stream");
    provider.answer = (request): Reply => {
      const placeholder = personalIn(request);
      return streamOf(["It was ", placeholder.slice(0, 3), placeholder.slice(3, 20), placeholder.slice(20, -1), `${placeholder.slice(-1)}.`]);
    };

    const stream = anthropic.messages.stream(conversation);
    const texts: string[] = [];
    stream.on("text", (text) => texts.push(text));
    const final = await stream.finalMessage();
    await flushReports(anthropic);

    expect(texts.join("")).toBe(`It was ${EMAIL}.`);
    expect(final.content[0]?.type === "text" ? final.content[0].text : "").toBe(`It was ${EMAIL}.`);
  });

  it("holds back a placeholder's start until the block ends, and gives it back unchanged when it was not one", async () => {
    const { anthropic } = await setup("agrd-partial");
    provider.answer = (): Reply => streamOf(["Total: [perso", "nal count]"]);

    const stream = await anthropic.messages.create({ ...conversation, stream: true });
    let text = "";
    for await (const event of stream) if (event.type === "content_block_delta" && event.delta.type === "text_delta") text += event.delta.text;
    await flushReports(anthropic);

    expect(text).toBe("Total: [personal count]");
  });

  it("a deny rule on personal data in prompts: CONTENT_DENIED, and the stand-in receives no request", async () => {
    const { anthropic } = await setup("agrd-deny", { content: { promptPersonalData: "deny" } });
    provider.answer = () => ({ status: 200, json: messageOf("never") });

    const refused = await anthropic.messages.create(conversation).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(DeniedError);
    expect((refused as DeniedError).reason).toBe("CONTENT_DENIED");
    expect(provider.received).toHaveLength(0);
  });

  /** An org's own personal-data detector (an employee number no built-in knows), added through the API with the admin key. */
  async function addEmployeeDetector(adminKey: string) {
    const added = await fetch(`${api.url}/v1/content/detectors`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "acme_employee_id", class: "personalData", pattern: "EMP-[0-9]{6}" }),
    });
    expect(added.status).toBe(201);
  }
  const EMPLOYEE = "EMP-204817";

  it("an org's own personal-data detector: the provider receives its placeholder, not the value, and the answer has the value back", async () => {
    const { org, gatehouse, anthropic } = await setup("grd-a-org-detector");
    await addEmployeeDetector(org.adminKey.apiKey);
    provider.answer = (request): Reply => ({ status: 200, json: messageOf(`Paid ${request.raw.match(/\[personal:acme_employee_id#[0-9a-f]{8}\]/)?.[0] ?? "?"}.`) });

    const message = await anthropic.messages.create({ model: MODEL, max_tokens: 64, system: `Payroll for ${EMPLOYEE}.`, messages: [{ role: "user", content: "Pay them." }] });
    await flushReports(anthropic);

    expect(provider.received[0]?.raw).not.toContain(EMPLOYEE);
    expect(provider.received[0]?.raw).not.toContain("204817");
    expect(provider.received[0]?.raw).toMatch(/\[personal:acme_employee_id#[0-9a-f]{8}\]/);
    expect(message.content[0]?.type === "text" ? message.content[0].text : "").toBe(`Paid ${EMPLOYEE}.`);
    const { events } = await gatehouse.audit.list({ type: "action.decided", limit: 5 });
    const decided = events.find((entry) => entry.type === "action.decided");
    expect(decided?.type === "action.decided" ? decided.data.findings : undefined).toEqual([
      { detector: "acme_employee_id", class: "personalData", path: "prompt.system", action: "redacted" },
    ]);
    expect(JSON.stringify(events)).not.toContain(EMPLOYEE);
  });

  it("a deny rule on personal data refuses a prompt holding only an org detector's value: CONTENT_DENIED, and the stand-in receives no request", async () => {
    const { org, anthropic } = await setup("grd-a-org-deny", { content: { promptPersonalData: "deny" } });
    await addEmployeeDetector(org.adminKey.apiKey);
    provider.answer = () => ({ status: 200, json: messageOf("should never be asked") });

    const refused = await anthropic.messages
      .create({ model: MODEL, max_tokens: 64, messages: [{ role: "user", content: `Look up ${EMPLOYEE}.` }] })
      .catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(DeniedError);
    expect((refused as DeniedError).reason).toBe("CONTENT_DENIED");
    expect(provider.received).toHaveLength(0);
  });
});
