import { describe, expect, it } from "vitest";
import {
  APIConnectionError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
} from "../src/errors.ts";
import { apiError, client, executed, json, rejection, type Reply } from "./helpers.ts";

describe("retries", () => {
  it.each<[string, () => Reply]>([
    ["408", () => apiError(408, "REQUEST_TIMEOUT")],
    ["429", () => apiError(429, "RATE_LIMITED")],
    ["500", () => apiError(500, "INTERNAL")],
    ["502", () => new Response("Bad Gateway", { status: 502 })],
    ["503", () => apiError(503, "UNAVAILABLE")],
    ["a network error", () => new TypeError("fetch failed")],
  ])("retries after %s", async (_case, failure) => {
    const { gatehouse, calls } = client([failure(), json(200, executed)]);
    await gatehouse.execute("pr.merge");
    expect(calls).toHaveLength(2);
  });

  it.each([
    [400, "BAD_REQUEST"],
    [401, "UNAUTHORIZED"],
    [403, "FORBIDDEN"],
    [404, "NOT_FOUND"],
    [409, "EVENT_ID_REUSED"],
    [422, "UNPROCESSABLE"],
  ])("does not retry a %i", async (status, code) => {
    const { gatehouse, calls } = client([apiError(status, code), json(200, executed)]);
    await rejection(gatehouse.execute("pr.merge"));
    expect(calls).toHaveLength(1);
  });

  it("does not retry a 409, whatever an x-should-retry header says", async () => {
    const { gatehouse, calls } = client([apiError(409, "CONFLICT", { "x-should-retry": "true" }), json(200, executed)]);
    await rejection(gatehouse.execute("pr.merge"));
    expect(calls).toHaveLength(1);
  });

  it.each([
    [400, BadRequestError],
    [401, AuthenticationError],
    [403, PermissionDeniedError],
    [404, NotFoundError],
    [409, ConflictError],
    [422, UnprocessableEntityError],
  ])("throws the %i at once as %O", async (status, ErrorClass) => {
    const { gatehouse } = client([apiError(status, "NOPE")]);
    await expect(gatehouse.execute("pr.merge")).rejects.toBeInstanceOf(ErrorClass);
  });

  it("makes maxRetries + 1 attempts, then gives up", async () => {
    const { gatehouse, calls } = client([apiError(500, "A"), apiError(500, "B"), apiError(500, "C"), apiError(500, "D"), json(200, executed)], { maxRetries: 3 });
    await rejection(gatehouse.execute("pr.merge"));
    expect(calls).toHaveLength(4);
  });

  it("makes one attempt when maxRetries is 0", async () => {
    const { gatehouse, calls } = client([apiError(503, "UNAVAILABLE"), json(200, executed)], { maxRetries: 0 });
    await rejection(gatehouse.execute("pr.merge"));
    expect(calls).toHaveLength(1);
  });

  it("throws the last error, typed by status, with its code and requestId", async () => {
    const { gatehouse } = client([apiError(502, "FIRST"), apiError(503, "SECOND"), apiError(429, "LAST", {}, "req_last")]);
    const error = await rejection(gatehouse.execute("pr.merge"));
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ status: 429, code: "LAST", requestId: "req_last" });
  });

  it("throws an InternalServerError when every attempt answers 5xx", async () => {
    const { gatehouse } = client([apiError(500, "A"), apiError(500, "B"), apiError(504, "C")]);
    await expect(gatehouse.execute("pr.merge")).rejects.toBeInstanceOf(InternalServerError);
  });

  it("throws an APIConnectionError when the network keeps failing", async () => {
    const { gatehouse } = client([new TypeError("a"), new TypeError("b"), new TypeError("fetch failed")]);
    await expect(gatehouse.execute("pr.merge")).rejects.toBeInstanceOf(APIConnectionError);
  });

  it("backs off exponentially from 500 ms", async () => {
    const { gatehouse, sleeps } = client([apiError(500, "A"), apiError(500, "B"), apiError(500, "C"), json(200, executed)], { maxRetries: 3 });
    await gatehouse.execute("pr.merge");
    expect(sleeps).toEqual([500, 1000, 2000]);
  });

  it("caps the backoff at 8 s", async () => {
    const failures = Array.from({ length: 6 }, () => apiError(500, "X"));
    const { gatehouse, sleeps } = client([...failures, json(200, executed)], { maxRetries: 6 });
    await gatehouse.execute("pr.merge");
    expect(sleeps.slice(-2)).toEqual([8000, 8000]);
  });

  it("shortens the backoff by up to a quarter at random", async () => {
    const { gatehouse, sleeps } = client([apiError(500, "A"), json(200, executed)], {}, { random: () => 1 });
    await gatehouse.execute("pr.merge");
    expect(sleeps).toEqual([375]);
  });

  it("waits the seconds a Retry-After header asks for", async () => {
    const { gatehouse, sleeps } = client([apiError(429, "RATE_LIMITED", { "retry-after": "3" }), json(200, executed)]);
    await gatehouse.execute("pr.merge");
    expect(sleeps).toEqual([3000]);
  });

  it("waits until the HTTP date a Retry-After header names", async () => {
    const now = Date.parse("2025-01-01T00:00:00Z");
    const { gatehouse, sleeps } = client([apiError(429, "RATE_LIMITED", { "retry-after": "Wed, 01 Jan 2025 00:00:07 GMT" }), json(200, executed)], {}, { now: () => now });
    await gatehouse.execute("pr.merge");
    expect(sleeps).toEqual([7000]);
  });

  it("waits at most 60 s, whatever Retry-After asks", async () => {
    const { gatehouse, sleeps } = client([apiError(429, "RATE_LIMITED", { "retry-after": "3600" }), json(200, executed)]);
    await gatehouse.execute("pr.merge");
    expect(sleeps).toEqual([60_000]);
  });

  it("ignores Retry-After on a response it does not retry", async () => {
    const { gatehouse, calls } = client([apiError(400, "BAD", { "retry-after": "1" }), json(200, executed)]);
    await rejection(gatehouse.execute("pr.merge"));
    expect(calls).toHaveLength(1);
  });
});
