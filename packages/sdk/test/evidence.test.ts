import { describe, expect, expectTypeOf, it } from "vitest";
import type { Evidence } from "../src/types.ts";
import { apiError, client, json } from "./helpers.ts";

const DECISION = "aud_0123456789abcdefghijkl";
const written = { auditEventId: "aud_9876543210zyxwvutsrqpo", kind: "command.ran", recordedAt: "2026-11-23T12:00:00.000Z", actionAuditEventId: DECISION } as const;

describe("audit.log()", () => {
  it("POSTs kind, details, the decision and an eventId to /v1/audit/entries, the eventId also as the Idempotency-Key", async () => {
    const { gatehouse, calls } = client([json(201, written)]);
    const evidence = await gatehouse.audit.log("command.ran", { command: "npm test", exitCode: 0 }, { auditEventId: DECISION });
    expectTypeOf(evidence).toEqualTypeOf<Evidence>();
    expect(evidence).toEqual(written);
    const body = calls[0]?.body as { eventId: string };
    expect([calls[0]?.init.method, calls[0]?.url]).toEqual(["POST", "http://localhost:4000/v1/audit/entries"]);
    expect(body).toEqual({ kind: "command.ran", details: { command: "npm test", exitCode: 0 }, auditEventId: DECISION, eventId: expect.any(String) });
    expect(calls[0]?.headers.get("idempotency-key")).toBe(body.eventId);
  });

  it("sends empty details and no decision when none are given, and the caller's eventId when given", async () => {
    const { gatehouse, calls } = client([json(201, { ...written, actionAuditEventId: undefined })]);
    await gatehouse.audit.log("heartbeat.note", undefined, { eventId: "evt-1" });
    expect(calls[0]?.body).toEqual({ kind: "heartbeat.note", details: {}, eventId: "evt-1" });
  });

  it("retries with the same eventId, so the server writes the entry once", async () => {
    const { gatehouse, calls } = client([apiError(503, "UNAVAILABLE"), new TypeError("fetch failed"), json(201, written)]);
    await gatehouse.audit.log("command.ran", { exitCode: 0 });
    const ids = calls.map((call) => (call.body as { eventId: string }).eventId);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(1);
  });
});
