import { describe, expect, test } from "vitest";
import { isDomainError } from "../src/errors";
import { ConcurrencySlots } from "../src/limits/concurrency-slots";

const slots = () => new ConcurrencySlots({ max: 2, what: "event streams", holder: "this API key", retryAfterSeconds: 5 });

function refusal(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a refusal");
}

describe("ConcurrencySlots", () => {
  test("refuses the holder's slot over the cap with RATE_LIMITED, how many are open and a Retry-After", () => {
    const pool = slots();
    pool.acquire("k1");
    pool.acquire("k1");
    const error = refusal(() => pool.acquire("k1"));
    expect(isDomainError(error) && { code: error.code, message: error.message, retry: error.retryAfterSeconds, details: error.details }).toEqual({
      code: "RATE_LIMITED",
      message: "2 event streams are already open for this API key (at most 2); close one first",
      retry: 5,
      details: { open: 2, limit: 2 },
    });
  });

  test("holders are counted apart", () => {
    const pool = slots();
    pool.acquire("k1");
    pool.acquire("k1");
    expect(() => pool.acquire("k2")).not.toThrow();
  });

  test("a release frees one slot, once, however often it is called", () => {
    const pool = slots();
    const release = pool.acquire("k1");
    pool.acquire("k1");
    release();
    release();
    expect(pool.held("k1")).toBe(1);
    pool.acquire("k1");
    expect(() => pool.acquire("k1")).toThrow(/2 event streams/);
  });
});
