import { describe, expect, it } from "vitest";
import { z } from "zod";
import { flag, httpUrl, logLevel, port, readEnvironment, wholeNumber } from "../src/infra/env-fields";

// The fields the API's, the worker's, the console's and this package's env.ts read their variables with, and the one
// error each gathers its problems into: every problem named by its variable.

const schema = z.object({
  PORT: port({ default: 4000 }),
  ANY_PORT: port({ anyFree: true }),
  LIMIT: wholeNumber({ min: 1, max: 100, default: 10 }),
  TIMEOUT_MS: wholeNumber({ min: 0 }),
  ON: flag(),
  URL: httpUrl(),
  LOG_LEVEL: logLevel(),
});
const read = (source: Record<string, string | undefined>) => readEnvironment("@gatehouse/example", schema, source);

describe("the shared environment fields", () => {
  it("read unset and blank variables as their defaults (or unset), never as 0 or an empty string", () => {
    const expected = { PORT: 4000, LIMIT: 10, ON: false, LOG_LEVEL: "info" };
    expect(read({})).toMatchObject(expected);
    const blank = read({ PORT: "", ANY_PORT: " ", LIMIT: "", TIMEOUT_MS: "", ON: "", URL: "", LOG_LEVEL: "" });
    expect(blank).toMatchObject(expected);
    expect([blank.ANY_PORT, blank.TIMEOUT_MS, blank.URL]).toEqual([undefined, undefined, undefined]);
  });

  it("read what is set", () => {
    expect(read({ PORT: "8080", ANY_PORT: "0", LIMIT: "100", TIMEOUT_MS: "0", ON: "true", URL: "https://example.com", LOG_LEVEL: "warn" })).toMatchObject({
      PORT: 8080,
      ANY_PORT: 0,
      LIMIT: 100,
      TIMEOUT_MS: 0,
      ON: true,
      URL: "https://example.com",
      LOG_LEVEL: "warn",
    });
    expect(read({ ON: "1" }).ON).toBe(true);
    expect(read({ ON: "0" }).ON).toBe(false);
  });

  it.each([
    ["PORT", "0", "must be a port from 1 to 65535"],
    ["PORT", "65536", "must be a port from 1 to 65535"],
    ["PORT", "http", "must be a port from 1 to 65535"],
    ["ANY_PORT", "-1", "must be a port from 0 to 65535"],
    ["LIMIT", "1.5", "must be a whole number from 1 to 100"],
    ["LIMIT", "101", "must be a whole number from 1 to 100"],
    ["TIMEOUT_MS", "soon", "must be a whole number at least 0"],
    ["ON", "yes", "must be 1 or 0 (true or false)"],
    ["URL", "javascript:alert(1)", "must be an http(s) URL"],
    ["LOG_LEVEL", "loud", "must be one of fatal, error, warn, info, debug, trace, silent"],
  ])("refuses %s=%j, naming it", (variable, value, message) => {
    expect(() => read({ [variable]: value })).toThrow(`Invalid environment for @gatehouse/example: ${variable}: ${message}`);
  });

  it("names every problem in one error, the schema's and the readers' alike", () => {
    const readers = {
      extra: (source: Readonly<Record<string, string | undefined>>) => {
        if (source.EXTRA === "bad") throw new Error("EXTRA: is bad");
        return source.EXTRA ?? "none";
      },
    };
    expect(readEnvironment("@gatehouse/example", schema, {}, readers).extra).toBe("none");
    expect(() => readEnvironment("@gatehouse/example", schema, { PORT: "x", ON: "maybe", EXTRA: "bad" }, readers)).toThrow(
      "Invalid environment for @gatehouse/example: PORT: must be a port from 1 to 65535; ON: must be 1 or 0 (true or false); EXTRA: is bad",
    );
  });
});
