import { describe, expect, expectTypeOf, it } from "vitest";
import { BadRequestError, GatehouseError } from "../src/errors.ts";
import type { ScanFinding, ScanInput, ScanResult } from "../src/types.ts";
import { ADMIN_KEY, adminClient, API_KEY, apiError, client, json } from "./helpers.ts";

// scan(): the standalone content scan (`POST /v1/scan`): a text or a JSON value, exactly one, sent as
// given; the findings answered as the server gives them (detector, class, path, a text's offsets).

const found: ScanResult = {
  findings: [
    { detector: "github_token", class: "secrets", path: "text", start: 12, end: 52 },
    { detector: "email", class: "personalData", path: "text", start: 63, end: 83 },
  ],
  truncated: false,
};

describe("scan()", () => {
  it("POSTs the text to /v1/scan with the agent's key, and answers the findings, typed", async () => {
    const { gatehouse, calls } = client([json(200, found)]);
    const result = await gatehouse.scan({ text: "deploy with ghp_… and mail jane@example.com" });
    expect({ method: calls[0]?.init.method, url: calls[0]?.url, authorization: calls[0]?.headers.get("authorization"), body: calls[0]?.body }).toEqual({
      method: "POST",
      url: "http://localhost:4000/v1/scan",
      authorization: `Bearer ${API_KEY}`,
      body: { text: "deploy with ghp_… and mail jane@example.com" },
    });
    expect(result).toEqual(found);
    expectTypeOf(result).toEqualTypeOf<ScanResult>();
    expectTypeOf(result.findings).toEqualTypeOf<ScanFinding[]>();
    expectTypeOf(result.findings[0]?.class).toEqualTypeOf<"secrets" | "personalData" | undefined>();
  });

  it("sends any JSON value as `json`, null and arrays included", async () => {
    const { gatehouse, calls } = client([
      json(200, { findings: [], truncated: false }),
      json(200, { findings: [], truncated: false }),
      json(200, { findings: [], truncated: false }),
    ]);
    await gatehouse.scan({ json: { ticket: { summary: "mail jane@example.com" } } });
    await gatehouse.scan({ json: ["a", 1] });
    await gatehouse.scan({ json: null });
    expect(calls.map((c) => c.body)).toEqual([{ json: { ticket: { summary: "mail jane@example.com" } } }, { json: ["a", 1] }, { json: null }]);
  });

  it("takes exactly one of text and json: the type says so, and a caller without types is refused before any request", async () => {
    expectTypeOf<{ text: string }>().toExtend<ScanInput>();
    expectTypeOf<{ json: unknown }>().toExtend<ScanInput>();
    expectTypeOf<{ text: string; json: unknown }>().not.toExtend<ScanInput>();
    expectTypeOf<Record<string, never>>().not.toExtend<ScanInput>();
    const { gatehouse, calls } = client([]);
    for (const input of [{ text: "a", json: "b" }, {}, { text: undefined }]) {
      const refused = await gatehouse.scan(input as unknown as ScanInput).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(GatehouseError);
      expect(refused).toMatchObject({ code: "INVALID_OPTION", message: expect.stringMatching(/exactly one/) });
    }
    expect(calls).toEqual([]);
  });

  it("a refusal of the input (400 naming the field) is a BadRequestError", async () => {
    const { gatehouse } = client([apiError(400, "VALIDATION")]);
    await expect(gatehouse.scan({ text: "x" })).rejects.toBeInstanceOf(BadRequestError);
  });

  it("answers fields the SDK does not know yet as they come", async () => {
    const answer = { ...found, scannedAt: "2026-11-24T00:00:00Z" };
    const { gatehouse } = client([json(200, answer)]);
    await expect(gatehouse.scan({ text: "x" })).resolves.toEqual(answer);
  });
});

describe("admin.scan()", () => {
  it("scans with a member's admin key", async () => {
    const { admin, calls } = adminClient([json(200, found)]);
    await expect(admin.scan({ json: { note: "mail jane@example.com" } })).resolves.toEqual(found);
    expect([calls[0]?.url, calls[0]?.headers.get("authorization"), calls[0]?.body]).toEqual([
      "http://localhost:4000/v1/scan",
      `Bearer ${ADMIN_KEY}`,
      { json: { note: "mail jane@example.com" } },
    ]);
  });
});
