import { conflict, unavailable } from "@gatehouse/core";
import { isConnectionFailure } from "@gatehouse/db";
import { describe, expect, it } from "vitest";
import { toErrorResponse } from "../../src/errors";

/** Which failures become 503 UNAVAILABLE with Retry-After (the outage classifier), and which stay 500 or keep their meaning. */
const socket = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, errno: -111, syscall: "connect" });
const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: "FATAL" });

describe("connection failures are 503 UNAVAILABLE, everything else keeps its status", () => {
  const outages: Array<[string, unknown]> = [
    ["ECONNREFUSED", socket("ECONNREFUSED")],
    ["ECONNRESET", socket("ECONNRESET")],
    ["EPIPE", socket("EPIPE")],
    ["a refused connection to every address (AggregateError)", new AggregateError([socket("ECONNREFUSED"), socket("ECONNREFUSED")], "")],
    ["57P01 admin shutdown", pgError("57P01", "terminating connection due to administrator command")],
    ["57P02 crash shutdown", pgError("57P02", "terminating connection due to crash of another server process")],
    ["57P03 cannot connect now", pgError("57P03", "the database system is starting up")],
    ["class 08 connection exception", pgError("08006", "connection failure")],
    ["57014 statement timeout", pgError("57014", "canceling statement due to statement timeout")],
    ["Connection terminated unexpectedly", new Error("Connection terminated unexpectedly")],
    ["the pool's connect timeout", new Error("timeout exceeded when trying to connect")],
    ["the client's query timeout", new Error("Query read timeout")],
    ["a Prisma adapter error wrapping a lost connection", Object.assign(new Error("Invalid `prisma.agent.findUnique()` invocation"), { cause: { kind: "ConnectionClosed" } })],
    [
      "a Prisma adapter error wrapping a pg code",
      Object.assign(new Error("Invalid invocation"), { meta: { driverAdapterError: { cause: { originalCode: "57P01", kind: "postgres" } } } }),
    ],
    ["Prisma P1001", Object.assign(new Error("Can't reach database server at 127.0.0.1:5432"), { code: "P1001" })],
    ["Prisma P2028 (transaction could not start in time)", Object.assign(new Error("Transaction API error: Unable to start a transaction in the given time."), { code: "P2028" })],
    ["an UNAVAILABLE domain error", unavailable("rate counter down")],
  ];
  it.each(outages)("%s → 503 with Retry-After", (_name, error) => {
    const response = toErrorResponse(error, "req_test");
    expect(response.status).toBe(503);
    expect(response.retryAfterSeconds).toBe(2);
    expect(response.body.error.code).toBe("UNAVAILABLE");
  });

  const others: Array<[string, unknown, number]> = [
    ["a plain bug", new TypeError("cannot read properties of undefined"), 500],
    ["a unique violation (P2002)", Object.assign(new Error("Unique constraint failed"), { code: "P2002" }), 500],
    ["a syntax error from PostgreSQL (42601)", pgError("42601", "syntax error at or near"), 500],
    ["a domain conflict", conflict("already decided"), 409],
  ];
  it.each(others)("%s → %i", (_name, error, status) => {
    expect(toErrorResponse(error, "req_test").status).toBe(status);
    if (status === 500) expect(isConnectionFailure(error)).toBe(false);
  });
});
