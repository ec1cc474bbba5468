import { describe, expect, it, vi } from "vitest";
import { DelegatedAgent, Gatehouse } from "../src/client.ts";
import { asyncDispose, ttlSeconds } from "../src/delegation.ts";
import { DelegationScopeError, DeniedError, GatehouseError, PermissionDeniedError } from "../src/errors.ts";
import { ADMIN_KEY, API_KEY, APPROVAL_ID, adminClient, apiError, client, endedObject, executed, json, rejection, requested } from "./helpers.ts";

const CHILD_KEY = "gh_agent_child0123456789";
const delegation = {
  id: "dlg_1",
  name: "reader",
  parentAgentId: "agt_1",
  childAgentId: "agt_child",
  rootAgentId: "agt_1",
  capabilities: ["pr.read"],
  depth: 1,
  expiresAt: "2025-06-01T12:15:00.000Z",
  revokedAt: null,
  createdAt: "2025-06-01T12:00:00.000Z",
};
const created = { delegation, apiKey: CHILD_KEY };
const revoked = { revoked: ["dlg_1", "dlg_2"] };
const BASE = "http://localhost:4000";

describe("delegate()", () => {
  it("POSTs the name, capabilities and ttl in seconds with an idempotency key, and answers a client on the child's key", async () => {
    const { gatehouse, calls } = client([json(201, created), json(200, executed)]);
    const sub = await gatehouse.delegate("reader", { capabilities: ["pr.read"], ttl: "15m", metadata: { task: "review" } });
    expect(sub).toBeInstanceOf(DelegatedAgent);
    expect(sub).toBeInstanceOf(Gatehouse);
    expect([sub.id, sub.childAgentId, sub.expiresAt, sub.capabilities, sub.apiKey]).toEqual(["dlg_1", "agt_child", delegation.expiresAt, ["pr.read"], CHILD_KEY]);
    expect([calls[0]?.init.method, calls[0]?.url, calls[0]?.body]).toEqual([
      "POST",
      `${BASE}/v1/delegations`,
      { name: "reader", capabilities: ["pr.read"], ttlSeconds: 900, metadata: { task: "review" } },
    ]);
    expect(calls[0]?.headers.get("authorization")).toBe(`Bearer ${API_KEY}`);
    expect(calls[0]?.headers.get("idempotency-key")).toMatch(/^[0-9a-f-]{36}$/);

    await sub.execute("pr.read", { metadata: { pr: 1 } });
    expect([calls[1]?.url, calls[1]?.headers.get("authorization")]).toEqual([`${BASE}/v1/actions`, `Bearer ${CHILD_KEY}`]);
  });

  it("keeps the child's key out of what is logged or serialized", async () => {
    const { gatehouse } = client([json(201, created)]);
    const sub = await gatehouse.delegate("reader", { capabilities: ["pr.read"], ttl: 60 });
    expect(JSON.stringify(sub)).not.toContain(CHILD_KEY);
    expect(Object.values(sub)).not.toContain(CHILD_KEY);
  });

  it("a delegate's own calls (whoami, canI, report, gate, delegate) all go out with the child's key, with the parent's options", async () => {
    const { gatehouse, calls } = client(
      [
        json(201, created),
        json(200, { org: { id: "org_1" } }),
        json(200, { ...executed, dryRun: true, allowed: true, needsApproval: false }),
        json(200, { auditEventId: "aud_1", status: "success" }),
        apiError(503, "UNAVAILABLE"),
        json(200, executed),
        json(201, { delegation: { ...delegation, id: "dlg_2", depth: 2 }, apiKey: "gh_agent_grandchild01234" }),
      ],
      { baseUrl: "https://gh.example.com" },
    );
    const sub = await gatehouse.delegate("reader", { capabilities: ["pr.*"], ttl: 600 });
    await sub.whoami();
    await sub.canI("pr.read");
    await sub.report("aud_1", { status: "success" });
    await sub.gate("pr.read"); // retried after the 503: the parent's retry options apply
    const grandchild = await sub.delegate("reader-2", { capabilities: ["pr.read"], ttl: 60 });
    expect(calls.slice(1).map((call) => [call.url.replace("https://gh.example.com", ""), call.headers.get("authorization")])).toEqual([
      ["/v1/whoami", `Bearer ${CHILD_KEY}`],
      ["/v1/actions/check", `Bearer ${CHILD_KEY}`],
      ["/v1/actions/aud_1/outcome", `Bearer ${CHILD_KEY}`],
      ["/v1/actions", `Bearer ${CHILD_KEY}`],
      ["/v1/actions", `Bearer ${CHILD_KEY}`],
      ["/v1/delegations", `Bearer ${CHILD_KEY}`],
    ]);
    expect(grandchild.apiKey).toBe("gh_agent_grandchild01234");
  });

  it("a capability wider than the parent's is a DelegationScopeError naming it (a PermissionDeniedError, never retried)", async () => {
    const issue = { path: "capabilities[1]", message: "'pr.*' is not covered by pr.open" };
    const message = "capability 'pr.*' is not covered by this agent's own capabilities (pr.open)";
    const { gatehouse, calls } = client([json(403, { error: { code: "DELEGATION_SCOPE", message, details: { issues: [issue] }, requestId: "req_1" } })]);
    const error = await rejection(gatehouse.delegate("reader", { capabilities: ["pr.open", "pr.*"], ttl: 60 }));
    expect(error).toBeInstanceOf(DelegationScopeError);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(error).toMatchObject({ name: "DelegationScopeError", status: 403, code: "DELEGATION_SCOPE", capability: "pr.*", path: "capabilities[1]", requestId: "req_1", message });
    expect(calls).toHaveLength(1);
  });

  it("a ttl outliving the delegating delegate's own is a DelegationScopeError on ttlSeconds, with no capability", async () => {
    const issue = { path: "ttlSeconds", message: "must be at most 30, this agent's own remaining time" };
    const { gatehouse } = client([json(403, { error: { code: "DELEGATION_SCOPE", message: "ttlSeconds 60 outlives…", details: { issues: [issue] } } })]);
    const error = await rejection(gatehouse.delegate("reader", { capabilities: ["pr.read"], ttl: 60 }));
    expect(error).toBeInstanceOf(DelegationScopeError);
    expect(error).toMatchObject({ path: "ttlSeconds", capability: undefined });
  });

  it("a delegate's denied call carries its DELEGATION_* reason in DeniedError.reason", async () => {
    const denied = { status: "denied", auditEventId: "aud_2", denialReason: "DELEGATION_REVOKED", conditionsEvaluated: [] };
    const { gatehouse } = client([json(201, created), json(200, denied)]);
    const sub = await gatehouse.delegate("reader", { capabilities: ["pr.read"], ttl: 60 });
    const error = await rejection(sub.gate("pr.read"));
    expect(error).toBeInstanceOf(DeniedError);
    expect(error).toMatchObject({ reason: "DELEGATION_REVOKED", auditEventId: "aud_2" });
  });

  it("a delegate waiting in gate() when it is revoked throws DeniedError with DELEGATION_REVOKED", async () => {
    const { gatehouse } = client([
      json(201, created),
      json(200, { ...requested, approvalId: APPROVAL_ID }),
      json(200, { approvals: [{ ...endedObject("cancelled", "DELEGATION_REVOKED"), id: APPROVAL_ID }], pending: [], notFound: [] }),
    ]);
    const sub = await gatehouse.delegate("reader", { capabilities: ["pr.*"], ttl: 60 });
    const error = await rejection(sub.gate("pr.merge"));
    expect(error).toBeInstanceOf(DeniedError);
    expect(error).toMatchObject({ reason: "DELEGATION_REVOKED", approvalId: APPROVAL_ID });
  });

  it("retries a lost answer with the same idempotency key and body, so the server makes one child", async () => {
    const { gatehouse, calls } = client([new TypeError("fetch failed"), apiError(503, "UNAVAILABLE"), json(201, created)]);
    const sub = await gatehouse.delegate("reader", { capabilities: ["pr.read"], ttl: "1h" });
    expect(sub.id).toBe("dlg_1");
    expect(calls).toHaveLength(3);
    const keys = calls.map((call) => call.headers.get("idempotency-key"));
    expect(new Set(keys).size).toBe(1);
    expect(calls.map((call) => call.body)).toEqual(Array.from({ length: 3 }, () => ({ name: "reader", capabilities: ["pr.read"], ttlSeconds: 3600 })));
    // A second delegate() call is a second delegation: a new key.
    const again = client([json(201, created)]);
    await again.gatehouse.delegate("reader", { capabilities: ["pr.read"], ttl: "1h" });
    expect(again.calls[0]?.headers.get("idempotency-key")).not.toBe(keys[0]);
  });

  it("refuses a malformed ttl before calling", async () => {
    const { gatehouse, calls } = client([]);
    for (const ttl of [0, -5, 1.5, "", "15x", "m15", "1h 30m", Number.NaN]) {
      const error = await rejection(gatehouse.delegate("reader", { capabilities: ["pr.read"], ttl }));
      expect(error).toBeInstanceOf(GatehouseError);
      expect(error).toMatchObject({ code: "INVALID_OPTION" });
    }
    expect(calls).toHaveLength(0);
  });
});

describe("ttlSeconds()", () => {
  it.each([
    [900, 900],
    ["900", 900],
    ["90s", 90],
    ["15m", 900],
    ["2h", 7200],
    ["1h30m", 5400],
    ["1d", 86400],
    [" 15M ", 900],
  ] as const)("%j is %i seconds", (ttl, seconds) => {
    expect(ttlSeconds(ttl)).toBe(seconds);
  });

  it.each([0, -1, 1.5, Number.POSITIVE_INFINITY, "", "0m", "15x", "1.5h", "h", "1h 30m", "-5m"])("%j is refused", (ttl) => {
    expect(() => ttlSeconds(ttl)).toThrow(/Invalid ttl/);
  });
});

describe("revoking", () => {
  it("revoke() DELETEs the delegation with the parent's key (a delegate may not revoke its own); again, it answers the same without calling", async () => {
    const { gatehouse, calls } = client([json(201, created), json(200, revoked)]);
    const sub = await gatehouse.delegate("reader", { capabilities: ["pr.read"], ttl: 60 });
    expect(await sub.revoke()).toEqual(revoked);
    expect(await sub.revoke()).toEqual(revoked);
    expect(calls).toHaveLength(2);
    expect([calls[1]?.init.method, calls[1]?.url, calls[1]?.headers.get("authorization")]).toEqual(["DELETE", `${BASE}/v1/delegations/dlg_1`, `Bearer ${API_KEY}`]);
  });

  it("a failed revoke() can be tried again; revoke(id) on a delegate revokes one of its own with its key", async () => {
    const { gatehouse, calls } = client([json(201, created), apiError(404, "NOT_FOUND"), json(200, revoked), json(200, { revoked: ["dlg_9"] })], { maxRetries: 0 });
    const sub = await gatehouse.delegate("reader", { capabilities: ["pr.read"], ttl: 60 });
    await rejection(sub.revoke());
    await sub.revoke();
    await sub.revoke("dlg_9");
    expect(calls.slice(1).map((call) => [call.url, call.headers.get("authorization")])).toEqual([
      [`${BASE}/v1/delegations/dlg_1`, `Bearer ${API_KEY}`],
      [`${BASE}/v1/delegations/dlg_1`, `Bearer ${API_KEY}`],
      [`${BASE}/v1/delegations/dlg_9`, `Bearer ${CHILD_KEY}`],
    ]);
  });

  it("gatehouse.revoke(id) and delegations({ role, activeOnly })", async () => {
    const { gatehouse, calls } = client([json(200, revoked), json(200, { delegations: [delegation] }), json(200, { delegations: [] })]);
    expect(await gatehouse.revoke("dlg_1")).toEqual(revoked);
    expect(await gatehouse.delegations({ role: "child", activeOnly: true })).toEqual([delegation]);
    expect(await gatehouse.delegations()).toEqual([]);
    expect(calls.map((call) => [call.init.method, call.url])).toEqual([
      ["DELETE", `${BASE}/v1/delegations/dlg_1`],
      ["GET", `${BASE}/v1/delegations?role=child&activeOnly=true`],
      ["GET", `${BASE}/v1/delegations`],
    ]);
  });

  it("the dispose method is Symbol.asyncDispose, and revokes once", async () => {
    expect(asyncDispose).toBe(Symbol.asyncDispose);
    const { gatehouse, calls } = client([json(201, created), json(200, revoked)]);
    const sub = await gatehouse.delegate("reader", { capabilities: ["pr.read"], ttl: 60 });
    await sub[Symbol.asyncDispose]();
    await sub[Symbol.asyncDispose]();
    expect(calls.map((call) => call.init.method)).toEqual(["POST", "DELETE"]);
  });

  it('on a runtime without Symbol.asyncDispose, the method is keyed Symbol.for("Symbol.asyncDispose") and loading does not fail', async () => {
    const RealSymbol = Symbol;
    vi.resetModules();
    // Symbol.asyncDispose cannot be deleted: stand in a Symbol without it while the module loads.
    const olderSymbol = Object.assign((description?: string) => RealSymbol(description), {
      ...Object.fromEntries(
        Object.getOwnPropertyNames(RealSymbol)
          .filter((name) => !["length", "name", "prototype"].includes(name))
          .map((name) => [name, (RealSymbol as unknown as Record<string, unknown>)[name]]),
      ),
      for: (key: string) => RealSymbol.for(key),
      asyncDispose: undefined,
    });
    vi.stubGlobal("Symbol", olderSymbol);
    try {
      const fresh = await import("../src/delegation.ts");
      expect(fresh.asyncDispose).toBe(RealSymbol.for("Symbol.asyncDispose"));
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
    expect(Symbol.asyncDispose).toBeTypeOf("symbol");
  });

  it("await using revokes when the scope ends normally", async () => {
    const { gatehouse, calls } = client([json(201, created), json(200, executed), json(200, revoked)]);
    {
      await using sub = await gatehouse.delegate("reader", { capabilities: ["pr.read"], ttl: 60 });
      await sub.execute("pr.read");
      expect(calls).toHaveLength(2);
    }
    expect(calls.map((call) => [call.init.method, call.url])).toEqual([
      ["POST", `${BASE}/v1/delegations`],
      ["POST", `${BASE}/v1/actions`],
      ["DELETE", `${BASE}/v1/delegations/dlg_1`],
    ]);
  });

  it("await using revokes when the scope is left by a throw, and the error goes on", async () => {
    const { gatehouse, calls } = client([json(201, created), json(200, revoked)]);
    const failure = new Error("the sub-agent crashed");
    const run = async (): Promise<void> => {
      await using sub = await gatehouse.delegate("reader", { capabilities: ["pr.read"], ttl: 60 });
      expect(sub.id).toBe("dlg_1");
      throw failure;
    };
    expect(await rejection(run())).toBe(failure);
    expect(calls.map((call) => call.init.method)).toEqual(["POST", "DELETE"]);
  });
});

describe("withDelegation()", () => {
  it("runs the callback with the delegate, revokes, and resolves with the callback's value", async () => {
    const { gatehouse, calls } = client([json(201, created), json(200, executed), json(200, revoked)]);
    const value = await gatehouse.withDelegation("reader", { capabilities: ["pr.read"], ttl: "5m" }, async (sub) => (await sub.execute("pr.read")).status);
    expect(value).toBe("executed");
    expect(calls.map((call) => [call.init.method, call.url.replace(BASE, ""), call.headers.get("authorization")])).toEqual([
      ["POST", "/v1/delegations", `Bearer ${API_KEY}`],
      ["POST", "/v1/actions", `Bearer ${CHILD_KEY}`],
      ["DELETE", "/v1/delegations/dlg_1", `Bearer ${API_KEY}`],
    ]);
  });

  it("revokes when the callback throws, and rethrows the callback's error itself", async () => {
    const { gatehouse, calls } = client([json(201, created), json(200, revoked)]);
    const failure = new DeniedError({ status: "denied", denialReason: "DELEGATION_SCOPE", conditionsEvaluated: [], auditEventId: "aud_3", message: "out of scope" });
    const error = await rejection(
      gatehouse.withDelegation("reader", { capabilities: ["pr.read"], ttl: 60 }, () => {
        throw failure;
      }),
    );
    expect(error).toBe(failure);
    expect(calls.map((call) => call.init.method)).toEqual(["POST", "DELETE"]);
  });

  it("a failed revoke after a throw: an AggregateError of both, or with onRevokeError the callback's error and the handler told", async () => {
    const failure = new Error("boom");
    const first = client([json(201, created), apiError(404, "NOT_FOUND")]);
    const both = await rejection(
      first.gatehouse.withDelegation("reader", { capabilities: ["pr.read"], ttl: 60 }, () => {
        throw failure;
      }),
    );
    expect(both).toBeInstanceOf(AggregateError);
    expect((both as AggregateError).errors[0]).toBe(failure);
    expect((both as AggregateError).errors[1]).toMatchObject({ status: 404 });

    const second = client([json(201, created), apiError(404, "NOT_FOUND")]);
    const told: unknown[] = [];
    const error = await rejection(
      second.gatehouse.withDelegation("reader", { capabilities: ["pr.read"], ttl: 60, onRevokeError: (revokeError, d) => told.push(revokeError, d.id) }, () => {
        throw failure;
      }),
    );
    expect(error).toBe(failure);
    expect(told).toEqual([expect.objectContaining({ status: 404 }), "dlg_1"]);
  });

  it("a failed revoke after a success is thrown, unless onRevokeError takes it", async () => {
    const first = client([json(201, created), apiError(404, "NOT_FOUND")]);
    expect(await rejection(first.gatehouse.withDelegation("reader", { capabilities: ["pr.read"], ttl: 60 }, () => 1))).toMatchObject({ status: 404 });
    const second = client([json(201, created), apiError(404, "NOT_FOUND")]);
    const told: unknown[] = [];
    expect(await second.gatehouse.withDelegation("reader", { capabilities: ["pr.read"], ttl: 60, onRevokeError: (e) => told.push(e) }, () => 1)).toBe(1);
    expect(told).toHaveLength(1);
  });

  it("a refused delegation runs nothing and revokes nothing", async () => {
    const { gatehouse, calls } = client([apiError(403, "DELEGATION_SCOPE")]);
    let ran = false;
    const error = await rejection(
      gatehouse.withDelegation("reader", { capabilities: ["deploy.*"], ttl: 60 }, () => {
        ran = true;
      }),
    );
    expect(error).toBeInstanceOf(DelegationScopeError);
    expect([ran, calls.length]).toEqual([false, 1]);
  });
});

describe("Gatehouse.parallel()", () => {
  it("fans delegates out at once and answers every settled result in the tasks' order", async () => {
    let inFlight = 0;
    let most = 0;
    const { gatehouse, calls } = client(
      Array.from({ length: 9 }, (_, i) => async (url: string, init: RequestInit) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        if (init.method === "POST" && url.endsWith("/v1/delegations"))
          return json(201, { delegation: { ...delegation, id: `dlg_${i}` }, apiKey: `gh_agent_child_${i}_0123456789` });
        if (init.method === "DELETE") return json(200, revoked);
        return json(200, executed);
      }),
    );
    const failure = new Error("task 2 failed");
    const results = await Gatehouse.parallel([
      () => gatehouse.withDelegation("r1", { capabilities: ["pr.read"], ttl: 60 }, (sub) => sub.execute("pr.read")),
      () => gatehouse.withDelegation("r2", { capabilities: ["pr.read"], ttl: 60 }, (sub) => sub.execute("pr.read")),
      Promise.reject(failure),
      () => gatehouse.withDelegation("r3", { capabilities: ["pr.read"], ttl: 60 }, (sub) => sub.execute("pr.read")),
      Promise.resolve(42),
    ]);
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect(results[2]).toEqual({ status: "rejected", reason: failure });
    expect(results[4]).toEqual({ status: "fulfilled", value: 42 });
    const value: number = results[4].status === "fulfilled" ? results[4].value : 0;
    expect(value).toBe(42);
    expect(most).toBe(3); // the three delegations were made side by side
    expect(calls.filter((call) => call.init.method === "DELETE")).toHaveLength(3);
  });

  it("runs function tasks at most `concurrency` at a time; a synchronous throw is a rejected result", async () => {
    let inFlight = 0;
    let most = 0;
    const task = (value: number) => async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight--;
      return value;
    };
    const results = await Gatehouse.parallel(
      [
        task(1),
        task(2),
        () => {
          throw new Error("sync");
        },
        task(3),
        task(4),
      ],
      { concurrency: 2 },
    );
    expect(most).toBe(2);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : "x"))).toEqual([1, 2, "x", 3, 4]);
    expect(await Gatehouse.parallel([])).toEqual([]);
    for (const concurrency of [0, 1.5, -1]) {
      expect(await rejection(Gatehouse.parallel([task(1)], { concurrency }))).toMatchObject({ code: "INVALID_OPTION" });
    }
  });
});

describe("admin.delegations", () => {
  it("tree(agentId) GETs the agent's tree; revoke(id) DELETEs with the admin key", async () => {
    const tree = { agentId: "agt_1", delegations: [{ ...delegation, parentDelegationId: null }] };
    const { admin, calls } = adminClient([json(200, tree), json(200, revoked)]);
    expect(await admin.delegations.tree("agt_1")).toEqual(tree);
    expect(await admin.delegations.revoke("dlg_1")).toEqual(revoked);
    expect(calls.map((call) => [call.init.method, call.url, call.headers.get("authorization")])).toEqual([
      ["GET", `${BASE}/v1/admin/delegations?agentId=agt_1`, `Bearer ${ADMIN_KEY}`],
      ["DELETE", `${BASE}/v1/delegations/dlg_1`, `Bearer ${ADMIN_KEY}`],
    ]);
  });
});
