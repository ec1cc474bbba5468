import { readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { openApiDocument, routes } from "../src/index";
import { responseValidator } from "../src/testing";

const document = openApiDocument();
const operations = Object.entries(document.paths as Record<string, Record<string, { operationId: string; parameters: Array<{ name: string; in: string }> }>>).flatMap(
  ([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
);

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document by an independent validator", async () => {
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe("3.1.0");
  });

  it("has one operation per contract route, each with a unique operationId", () => {
    expect(operations).toHaveLength(routes.length);
    expect(new Set(operations.map((o) => o.operation.operationId)).size).toBe(routes.length);
  });

  it("declares every path parameter its URL names", () => {
    for (const { path, operation } of operations) {
      const named = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const declared = operation.parameters.filter((p) => p.in === "path").map((p) => p.name);
      expect(declared, path).toEqual(named);
    }
  });

  it("is what docs/openapi.json holds (run `npm run openapi` after changing a contract)", () => {
    const checkedIn = JSON.parse(readFileSync(new URL("../../../docs/openapi.json", import.meta.url), "utf8")) as unknown;
    expect(checkedIn).toEqual(document);
  });
});

describe("responseValidator", () => {
  const check = responseValidator(document);

  it("accepts an answer that matches the document and names what is wrong with one that does not", () => {
    const ok = { ok: true, database: "up", redis: "disabled" };
    expect(check({ method: "GET", path: "/healthz", status: 200, body: ok })).toEqual([]);
    expect(check({ method: "GET", path: "/healthz", status: 200, body: { ...ok, database: "sideways" } })).toEqual(["/database must be equal to one of the allowed values"]);
    expect(check({ method: "GET", path: "/healthz", status: 200, body: { ok: true } })).toEqual([
      "(body) must have required property 'database'",
      "(body) must have required property 'redis'",
    ]);
  });

  it("follows references into components", () => {
    const bad = { status: "executed", auditEventId: "aud_x", conditionsEvaluated: [{ field: "f" }], message: "m" };
    expect(check({ method: "POST", path: "/v1/actions", status: 200, body: bad }).join("; ")).toMatch(/conditionsEvaluated\/0 must have required property 'operator'/);
  });

  it("refuses a status the document does not list", () => {
    expect(check({ method: "GET", path: "/healthz", status: 201, body: {} })).toEqual(["GET /healthz documents no JSON answer with status 201"]);
  });
});
