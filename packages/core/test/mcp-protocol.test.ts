import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classifyMessage, negotiateProtocolVersion, parseSseMessages, sseEvent, MCP_PROTOCOL_VERSIONS } from "../src";

// What the gateway reads from a client before anything acts on it (issue 65): every body is one of request,
// notification, response or invalid, and nothing that names a request's method runs without an id.

const method = fc.oneof(
  fc.constantFrom("tools/call", "tools/list", "initialize", "ping", "resources/read", "notifications/initialized", "notifications/cancelled"),
  fc.string({ minLength: 1, maxLength: 30 }),
);
const id = fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.integer());
const params = fc.option(fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue(), { maxKeys: 3 }), { nil: undefined });

describe("a client's message", () => {
  it("runs as a request only with an id, and without one only as a notification's method", () => {
    fc.assert(
      fc.property(method, fc.option(id, { nil: undefined }), params, (m, i, p) => {
        const message = classifyMessage({ jsonrpc: "2.0", method: m, ...(i === undefined ? {} : { id: i }), ...(p === undefined ? {} : { params: p }) });
        if (i !== undefined) expect(message).toMatchObject({ kind: "request", id: i, method: m });
        else if (m.startsWith("notifications/")) expect(message).toMatchObject({ kind: "notification", method: m });
        else expect(message.kind).toBe("invalid");
      }),
      { numRuns: 500 },
    );
  });

  it("is invalid as anything but one JSON-RPC 2.0 object with a usable id", () => {
    for (const body of [
      [{ jsonrpc: "2.0", id: 1, method: "ping" }],
      null,
      "ping",
      { jsonrpc: "1.0", id: 1, method: "ping" },
      { jsonrpc: "2.0", id: null, method: "ping" },
      { jsonrpc: "2.0", id: 1.5, method: "ping" },
      { jsonrpc: "2.0", id: "", method: "ping" },
      { jsonrpc: "2.0", id: 1, method: "ping", params: [1] },
      { jsonrpc: "2.0", id: 1, method: 7 },
      { jsonrpc: "2.0", id: 1 },
    ]) {
      expect(classifyMessage(body).kind, JSON.stringify(body)).toBe("invalid");
    }
    expect(classifyMessage({ jsonrpc: "2.0", id: 4, result: {} })).toEqual({ kind: "response", id: 4 });
  });
});

describe("the wire around it", () => {
  it("answers the client's protocol revision when it speaks it, else its newest", () => {
    for (const version of MCP_PROTOCOL_VERSIONS) expect(negotiateProtocolVersion(version)).toBe(version);
    expect(negotiateProtocolVersion("2024-11-05")).toBe(MCP_PROTOCOL_VERSIONS[0]);
    expect(negotiateProtocolVersion(undefined)).toBe(MCP_PROTOCOL_VERSIONS[0]);
  });

  it("reads back every message written as events, with comments and keep-alives between them", () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 5 }), (messages) => {
        const text = messages.map((message) => `: keep-alive\n\n${sseEvent(message)}`).join("");
        expect(parseSseMessages(text)).toEqual(messages.map((message) => JSON.parse(JSON.stringify(message))));
      }),
    );
  });
});
