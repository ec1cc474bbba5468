import { describe, expect, it } from "vitest";
import { Gatehouse } from "../src/client.ts";
import { GatehouseError } from "../src/errors.ts";
import { API_KEY, client, executed, json, rejection } from "./helpers.ts";

const noFetch = async (): Promise<Response> => {
  throw new Error("fetch must not be called");
};

describe("new Gatehouse(options)", () => {
  it.each([
    ["missing", undefined, "MISSING_API_KEY"],
    ["empty", "", "MISSING_API_KEY"],
    ["without the gh_ prefix", "sk_live_123", "INVALID_API_KEY"],
  ])("rejects an apiKey that is %s", (_case, apiKey, code) => {
    const create = () => new Gatehouse({ apiKey: apiKey as string, fetch: noFetch });
    expect(create).toThrowError(expect.objectContaining({ name: "GatehouseError", code }));
  });

  it("does not echo a malformed apiKey in the error message", () => {
    let message = "";
    try {
      new Gatehouse({ apiKey: "sk_live_secret", fetch: noFetch });
    } catch (error) {
      message = error instanceof GatehouseError ? error.message : "";
    }
    expect(message).not.toContain("sk_live_secret");
  });

  it.each([
    ["a baseUrl that is not a URL", { baseUrl: "not a url" }],
    ["a zero timeout", { timeout: 0 }],
    ["a negative timeout", { timeout: -1 }],
    ["a fractional maxRetries", { maxRetries: 1.5 }],
    ["a negative maxRetries", { maxRetries: -1 }],
  ])("rejects %s", (_case, options) => {
    const create = () => new Gatehouse({ apiKey: API_KEY, fetch: noFetch, ...options });
    expect(create).toThrowError(expect.objectContaining({ code: "INVALID_OPTION" }));
  });

  it("calls http://localhost:4000 when no baseUrl is given", async () => {
    const { gatehouse, calls } = client([json(200, executed)]);
    await gatehouse.execute("pr.merge");
    expect(calls[0]?.url).toBe("http://localhost:4000/v1/actions");
  });

  it("calls the given baseUrl, without doubling a trailing slash", async () => {
    const { gatehouse, calls } = client([json(200, executed)], { baseUrl: "https://gh.example.com/api/" });
    await gatehouse.execute("pr.merge");
    expect(calls[0]?.url).toBe("https://gh.example.com/api/v1/actions");
  });

  it("retries twice by default", async () => {
    const { gatehouse, calls } = client([json(500, {}), json(500, {}), json(500, {}), json(200, executed)]);
    await rejection(gatehouse.execute("pr.merge"));
    expect(calls).toHaveLength(3);
  });

  it("does not expose the apiKey as a property", () => {
    const gatehouse = new Gatehouse({ apiKey: API_KEY, fetch: noFetch });
    expect(JSON.stringify(gatehouse)).not.toContain(API_KEY);
  });
});

describe("traceContext (docs/telemetry.md)", () => {
  const trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  it("sends the caller's traceparent and tracestate with every call; a malformed one, or a hook that throws, sends none", async () => {
    const contexts: Array<{ traceparent?: string; tracestate?: string } | Error> = [
      { traceparent: `00-${trace}-00f067aa0ba902b7-01`, tracestate: "vendor=1" },
      { traceparent: `00-${"0".repeat(32)}-00f067aa0ba902b7-01` },
      { traceparent: "00-zz\r\nx-injected: 1", tracestate: "a=b" },
      new Error("no active span"),
    ];
    const { gatehouse, calls } = client([json(200, executed), json(200, executed), json(200, executed), json(200, executed)], {
      traceContext: () => {
        const next = contexts.shift();
        if (next instanceof Error) throw next;
        return next;
      },
    });
    for (let i = 0; i < 4; i++) await gatehouse.execute("pr.merge");
    expect(calls.map((c) => [c.headers.get("traceparent"), c.headers.get("tracestate"), c.headers.get("x-injected")])).toEqual([
      [`00-${trace}-00f067aa0ba902b7-01`, "vendor=1", null],
      [null, null, null],
      [null, null, null],
      [null, null, null],
    ]);
  });

  it("refuses a traceContext that is not a function", () => {
    expect(() => new Gatehouse({ apiKey: API_KEY, fetch: noFetch, traceContext: "00-abc" as never })).toThrowError(expect.objectContaining({ code: "INVALID_OPTION" }));
  });
});
