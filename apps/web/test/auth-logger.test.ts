// next-auth re-exports these from @auth/core (importing next-auth here needs Next.js running).
import { CredentialsSignin } from "@auth/core/errors";
import { describe, expect, it } from "vitest";
import { AUTH_LOGGER, authLogger } from "../src/server/auth-logger";

// A wrong console password is an everyday answer: next-auth hands the refusal to its logger, which
// must write one line (no stack, nothing the user typed); a real fault keeps its detail.

function capture() {
  const lines: string[] = [];
  const errors: unknown[][] = [];
  return { lines, errors, sink: { warn: (line: string) => lines.push(line), error: (...parts: unknown[]) => errors.push(parts) } };
}

class TooMany extends CredentialsSignin {
  override code = "rate_limited";
}

describe("the console's auth logger", () => {
  it.each([
    ["a wrong password or an unknown email", new CredentialsSignin(), "[auth] sign-in refused (credentials)"],
    ["too many attempts", new TooMany(), "[auth] sign-in refused (rate_limited)"],
  ])("%s: one line, no stack, nothing else", (_name, error, line) => {
    const { lines, errors, sink } = capture();
    authLogger(sink).error?.(error);
    expect(lines).toEqual([line]);
    expect(line).not.toMatch(/\n|\bat /);
    expect(errors).toEqual([]);
  });

  it("any other error keeps its detail (name, message and the error with its stack)", () => {
    const { lines, errors, sink } = capture();
    const fault = new Error("database unreachable");
    authLogger(sink).error?.(fault);
    expect(lines).toEqual([]);
    expect(errors).toEqual([["[auth][error] Error: database unreachable", fault]]);
  });

  it("is the logger the console's next-auth configuration uses", async () => {
    process.env.AUTH_SECRET ??= "s".repeat(32);
    process.env.DATABASE_URL ??= "postgresql://postgres@127.0.0.1:5432/x";
    const { baseAuthConfig } = await import("../src/auth.config");
    expect(baseAuthConfig().logger).toBe(AUTH_LOGGER);
  });
});
