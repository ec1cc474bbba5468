import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { argsDigest, assertSameCall, describeToolCall, toolActionType, toolEventId } from "../src/tools.ts";
import { client, executed, json } from "./helpers.ts";

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

describe("argsDigest()", () => {
  it.each([
    [{ b: 2, a: 1 }, '{"a":1,"b":2}'],
    [{ z: [1, "x", null, true], a: { d: 1e21, c: 0.1 } }, '{"a":{"c":0.1,"d":1e+21},"z":[1,"x",null,true]}'],
    ["é", '"é"'],
    [undefined, "null"],
  ])("is SHA-256 of the RFC 8785 JSON of %j", async (args, canonical) => {
    expect(await argsDigest(args)).toBe(sha256(canonical));
  });

  it("is the same for the same arguments in any key order, different for any other value", async () => {
    expect(await argsDigest({ env: "prod", sha: "abc" })).toBe(await argsDigest({ sha: "abc", env: "prod" }));
    expect(await argsDigest({ env: "prod", sha: "abc" })).not.toBe(await argsDigest({ env: "prod", sha: "abd" }));
  });

  it.each([[{ f: () => 1 }], [{ n: Number.NaN }], [{ n: Infinity }]])("refuses what JSON cannot carry: %j", async (args) => {
    await expect(argsDigest(args)).rejects.toThrow(TypeError);
  });
});

describe("toolActionType() and toolEventId()", () => {
  it.each([
    ["getWeather", "tool.get_weather"],
    ["read_file", "tool.read_file"],
    ["Bash", "tool.bash"],
    ["delete repo!", "tool.delete_repo_"],
    ["", "tool.unnamed"],
  ])("%j → %s", (name, actionType) => {
    expect(toolActionType(name)).toBe(actionType);
  });

  it("keeps a plain call id readable and hashes any other, always within the eventId rule", async () => {
    const digest = sha256("x");
    expect(await toolEventId("call_abc-1", digest)).toBe(`tc:call_abc-1:${digest.slice(0, 32)}`);
    for (const callId of ["toolu/01 ABC", "ü", "x".repeat(500)]) expect(await toolEventId(callId, digest)).toMatch(/^[A-Za-z0-9._:-]{1,200}$/);
    expect(await toolEventId("a b", digest)).not.toBe(await toolEventId("a c", digest));
  });
});

describe("describeToolCall()", () => {
  it("names the action tool.<name>, puts the arguments in metadata and binds the call to their digest", async () => {
    const call = await describeToolCall({ name: "deployService", args: { env: "prod" }, callId: "c1" });
    expect(call).toEqual({
      actionType: "tool.deploy_service",
      metadata: { arguments: { env: "prod" } },
      tool: { name: "deployService", argsDigest: sha256('{"env":"prod"}') },
      eventId: `tc:c1:${sha256(`deployService\n${sha256('{"env":"prod"}')}`).slice(0, 32)}`,
    });
  });

  it("takes the caller's action type and metadata (a redaction), and still binds to every argument", async () => {
    const call = await describeToolCall({
      name: "charge",
      args: { card: "4242 4242 4242 4242", cents: 500 },
      actionType: (name) => `payments.${name}`,
      metadata: (args) => ({ cents: (args as { cents: number }).cents }),
    });
    expect([call.actionType, call.metadata, call.tool.argsDigest]).toEqual(["payments.charge", { cents: 500 }, sha256('{"card":"4242 4242 4242 4242","cents":500}')]);
    expect(call.eventId).toBeUndefined();
  });

  it("keys a call on its id, its tool and its arguments: another tool under the same call id is another call", async () => {
    const [a, b, c] = await Promise.all([
      describeToolCall({ name: "readFile", args: { path: "a" }, callId: "call_0" }),
      describeToolCall({ name: "deleteFile", args: { path: "a" }, callId: "call_0" }),
      describeToolCall({ name: "readFile", args: { path: "a" }, callId: "call_0" }),
    ]);
    expect(a.eventId).not.toBe(b.eventId);
    expect(a.eventId).toBe(c.eventId);
  });
});

describe("assertSameCall()", () => {
  const tool = { name: "deploy", argsDigest: sha256('{"env":"prod"}') };
  it.each([
    ["made on other arguments", { tool: { name: "deploy", argsDigest: sha256('{"env":"dev"}') } }],
    ["made on another tool with the same arguments", { tool: { name: "destroy", argsDigest: tool.argsDigest } }],
    ["made on no tool call", {}],
  ])("refuses a decision %s (code ARGS_MISMATCH)", (_case, decision) => {
    expect(() => assertSameCall(decision, tool)).toThrow(expect.objectContaining({ code: "ARGS_MISMATCH" }));
  });

  it("accepts the decision made on exactly this call", () => {
    expect(() => assertSameCall({ tool: { ...tool } }, tool)).not.toThrow();
  });
});

describe("withIntegration()", () => {
  it("sends x-gatehouse-integration on every call of the new client, and the tool with execute and canI", async () => {
    const { gatehouse, calls } = client([json(200, executed), json(200, { ...executed, allowed: true, needsApproval: false, dryRun: true })]);
    const adapter = gatehouse.withIntegration("ai-sdk/0.1.0");
    const tool = { name: "deploy", argsDigest: sha256("{}") };
    await adapter.execute("tool.deploy", { tool });
    await adapter.canI("tool.deploy", { tool });
    expect(calls.map((c) => [c.headers.get("x-gatehouse-integration"), (c.body as { tool: unknown }).tool])).toEqual([
      ["ai-sdk/0.1.0", tool],
      ["ai-sdk/0.1.0", tool],
    ]);
  });

  it.each(["AI SDK", "ai-sdk/1 0", "x".repeat(41)])("refuses a malformed name %j before any call", (integration) => {
    const { gatehouse } = client([]);
    expect(() => gatehouse.withIntegration(integration)).toThrow(expect.objectContaining({ code: "INVALID_OPTION" }));
  });
});
