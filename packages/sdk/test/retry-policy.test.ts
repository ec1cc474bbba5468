import { describe, expect, it } from "vitest";
import { backoffDelay, isRetryableStatus, parseRetryAfter, reconnectDelay } from "../src/retry.ts";

describe("isRetryableStatus()", () => {
  it.each<[number, boolean]>([
    [408, true],
    [429, true],
    [500, true],
    [504, true],
    [400, false],
    [409, false],
    [401, false],
    [403, false],
    [404, false],
    [413, false],
    [422, false],
  ])("%i → %s", (status, expected) => {
    expect(isRetryableStatus(status)).toBe(expected);
  });
});

describe("parseRetryAfter()", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");
  it.each<[string | null, number | undefined]>([
    [null, undefined],
    ["", undefined],
    ["soon", undefined],
    ["0", 0],
    ["2", 2000],
    ["1.5", 1500],
    ["60", 60_000],
    ["61", 60_000],
    ["Wed, 01 Jan 2025 00:00:30 GMT", 30_000],
    ["Wed, 01 Jan 2025 00:05:00 GMT", 60_000],
    ["Tue, 31 Dec 2024 23:59:00 GMT", 0],
  ])("%o → %o ms", (header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });
});

describe("backoffDelay()", () => {
  it.each([
    [0, 0, 500],
    [1, 0, 1000],
    [3, 0, 4000],
    [4, 0, 8000],
    [10, 0, 8000],
    [0, 1, 375],
    [4, 0.5, 7000],
  ])("retry %i with random %d → %i ms", (retry, random, expected) => {
    expect(backoffDelay(retry, () => random)).toBe(expected);
  });
});

describe("reconnectDelay()", () => {
  it("doubles from 250 ms up to 5 s", () => {
    expect([0, 1, 2, 3, 4, 5, 10].map((retry) => reconnectDelay(retry, () => 0))).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
  });

  it("shortens the delay by up to a quarter at random", () => {
    expect(reconnectDelay(0, () => 1)).toBe(187.5);
  });
});
