import { describe, expect, it } from "vitest";
import { carriesBody, isDomainError, undeclaredBody } from "../src";

// A route that declares no body refuses one, before it is read: whether a request carries one is a
// question of its headers (the API's registration and the console's wrapper both ask it).

describe("carriesBody", () => {
  it.each([
    ["no length, no encoding (a GET, a DELETE, a POST that sends nothing)", undefined, undefined, false],
    ["Content-Length: 0", "0", undefined, false],
    ["Content-Length: 000", "000", undefined, false],
    ["Content-Length: 2 (`{}`)", "2", undefined, true],
    ["Content-Length: 1048576", "1048576", undefined, true],
    ["a malformed length", "abc", undefined, true],
    ["an empty length header", "", undefined, true],
    ["chunked, whatever its length turns out to be", undefined, "chunked", true],
    ["chunked beside a zero length", "0", "chunked", true],
    ["null headers (the Fetch API's Headers.get)", null, null, false],
  ])("%s: %s", (_case, length, encoding, expected) => {
    expect(carriesBody(length, encoding)).toBe(expected);
  });
});

describe("undeclaredBody", () => {
  it("is the VALIDATION error naming `body`", () => {
    const error = undeclaredBody();
    expect(isDomainError(error) && [error.code, error.details]).toEqual(["VALIDATION", { issues: [{ path: "body", message: expect.stringMatching(/takes no body/) }] }]);
  });
});
