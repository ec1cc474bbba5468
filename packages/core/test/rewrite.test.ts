import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyRewrites,
  argsDigestOf,
  compilePolicy,
  evaluate,
  failedTestIssues,
  parsePolicySet,
  parsePolicyTests,
  replayDecisions,
  rewriteRequest,
  runPolicyTests,
  type ActionRequest,
  type PolicyRewrite,
} from "../src/index";
import { applyChanges } from "../src/policy/rewrite-changes";

// Graduated effects (docs/policies.md, Rewriting a call): what a policy's `redact` and `transform` do to
// a call, that the caller's side (SDK, adapters) reproduces the server's rewrite from the answer alone,
// and that a rewrite which cannot be made refuses the call instead of letting it through as sent.

const parse = (policies: unknown[]) => parsePolicySet({ policies });
const compile = (policies: unknown[]) => parse(policies).map((document, i) => compilePolicy(document, { versionId: `pv_${i}`, version: 1 }));
const agent = { id: "agt_1", name: "billing", labels: {} };
const facts = (metadata: Record<string, unknown>, actionType = "tool.charge") => ({ actionType, agent, metadata, dataAccessed: [] });

describe("applyRewrites", () => {
  it("removes, masks, caps, raises and pins, and lists one change per field that differs", () => {
    const made = applyRewrites({ arguments: { card: "4111 1111 1111 1111", note: "call me", amount: 2500, fee: -3, env: "prod", items: [{ price: 900 }, { price: 20 }] } }, [
      { policy: "a-redact", redact: [{ path: "metadata.arguments.card" }, { path: "metadata.arguments.note", mask: "[note]" }] },
      {
        policy: "b-bounds",
        transform: [
          { path: "metadata.arguments.amount", max: 500 },
          { path: "metadata.arguments.fee", min: 0 },
          { path: "metadata.arguments.env", set: "staging" },
          { path: "metadata.arguments.items.*.price", max: 100 },
        ],
      },
    ]);
    expect(made).toEqual({
      metadata: { arguments: { note: "[note]", amount: 500, fee: 0, env: "staging", items: [{ price: 100 }, { price: 20 }] } },
      changes: [
        { path: "metadata.arguments.env", op: "set", value: "staging", policy: "b-bounds" },
        { path: "metadata.arguments.amount", op: "set", value: 500, policy: "b-bounds" },
        { path: "metadata.arguments.fee", op: "set", value: 0, policy: "b-bounds" },
        { path: "metadata.arguments.items.0.price", op: "set", value: 100, policy: "b-bounds" },
        { path: "metadata.arguments.note", op: "set", value: "[note]", policy: "a-redact" },
        { path: "metadata.arguments.card", op: "remove", policy: "a-redact" },
      ],
    });
  });

  it("the tightest bound wins, a removal beats a pinned value, and a value already within bounds is no change", () => {
    const made = applyRewrites({ amount: 300, env: "prod" }, [
      {
        policy: "a",
        transform: [
          { path: "metadata.amount", max: 1000 },
          { path: "metadata.env", set: "staging" },
        ],
      },
      { policy: "b", transform: [{ path: "metadata.amount", max: 200 }], redact: [{ path: "metadata.env" }] },
      { policy: "c", transform: [{ path: "metadata.amount", max: 5000 }] },
    ]);
    expect(made).toEqual({
      metadata: { amount: 200 },
      changes: [
        { path: "metadata.amount", op: "set", value: 200, policy: "b" },
        { path: "metadata.env", op: "remove", policy: "b" },
      ],
    });
    expect(applyRewrites({ amount: 50 }, [{ policy: "a", transform: [{ path: "metadata.amount", max: 100 }] }])).toEqual({ metadata: { amount: 50 }, changes: [] });
  });

  it("refuses what it cannot rewrite rather than letting it through: a bounded field that is not a number, two different pinned values", () => {
    expect(applyRewrites({ amount: "99999" }, [{ policy: "cap", transform: [{ path: "metadata.amount", max: 100 }] }])).toEqual({
      refused: { policy: "cap", path: "metadata.amount", message: "metadata.amount is bounded by policy 'cap' but holds string, not a number" },
    });
    expect(applyRewrites({ amount: [5000] }, [{ policy: "cap", transform: [{ path: "metadata.amount", max: 100 }] }])).toHaveProperty("refused");
    expect(
      applyRewrites({}, [
        { policy: "a", transform: [{ path: "metadata.env", set: "staging" }] },
        { policy: "b", transform: [{ path: "metadata.env", set: "dev" }] },
      ]),
    ).toEqual({ refused: { policy: "b", path: "metadata.env", message: "policies 'a' and 'b' pin metadata.env to different values" } });
  });

  it("pins a field the call lacks, creating what holds it; a '*' path only reaches what is there", () => {
    expect(applyRewrites({ arguments: {} }, [{ policy: "p", transform: [{ path: "metadata.arguments.options.dryRun", set: true }] }])).toEqual({
      metadata: { arguments: { options: { dryRun: true } } },
      changes: [{ path: "metadata.arguments.options.dryRun", op: "set", value: true, policy: "p" }],
    });
    expect(applyRewrites({ items: [] }, [{ policy: "p", transform: [{ path: "metadata.items.*.qty", set: 1 }] }])).toEqual({ metadata: { items: [] }, changes: [] });
  });

  it("a field pinned where the call had nothing and then removed leaves nothing behind, not even what was made to hold it", () => {
    // Found by the property below (seed 1584826355): the answer named no change, yet the server decided on `{ x: {} }`.
    for (const key of ["x", "__proto__"]) {
      const rewrites: PolicyRewrite[] = [
        { policy: "p2", redact: [{ path: `metadata.${key}.a` }] },
        {
          policy: "p1",
          transform: [
            { path: `metadata.${key}.a.b`, set: 0 },
            { path: `metadata.${key}.c`, set: 1 },
          ],
        },
      ];
      const made = applyRewrites({}, rewrites) as { metadata: Record<string, unknown>; changes: unknown[] };
      expect(made.changes).toEqual([{ path: `metadata.${key}.c`, op: "set", value: 1, policy: "p1" }]);
      expect(made.metadata).toEqual(applyChanges({}, made.changes as never));
      expect(Object.keys(made.metadata[key] as object)).toEqual(["c"]);
      // What the call sent stays, empty or not.
      expect(applyRewrites({ [key]: {} }, [rewrites[0] as PolicyRewrite, { policy: "p1", transform: [{ path: `metadata.${key}.a`, set: 0 }] }])).toEqual({
        metadata: JSON.parse(`{"${key}": {}}`),
        changes: [],
      });
    }
  });

  it("the caller's side reaches only own fields and elements that are there: a change cannot reach Object.prototype or leave holes", () => {
    const made = applyChanges({ items: [1] }, [
      { path: "metadata.__proto__.toString", op: "remove" },
      { path: "metadata.constructor.prototype.polluted", op: "set", value: true },
      { path: "metadata.items.5", op: "set", value: 0 },
    ]);
    expect(typeof Object.prototype.toString).toBe("function");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(made).toEqual({ items: [1], constructor: { prototype: { polluted: true } } });
    expect(Object.getPrototypeOf(made)).toBe(Object.prototype);
  });

  it("never touches the prototype: a key named __proto__ is a field like any other", () => {
    const metadata = JSON.parse('{"__proto__": {"amount": 900}}') as Record<string, unknown>;
    const made = applyRewrites(metadata, [{ policy: "p", transform: [{ path: "metadata.__proto__.amount", max: 1 }] }]);
    expect(made).toMatchObject({ changes: [{ path: "metadata.__proto__.amount", op: "set", value: 1 }] });
    expect(({} as Record<string, unknown>).amount).toBeUndefined();
    expect(Object.getPrototypeOf((made as { metadata: object }).metadata)).toBe(Object.prototype);
  });

  // The property the adapters rely on: the changes alone, made on the call as sent, give the call the server
  // decided on; and no change carries a value the call sent (only the policies' own values).
  const key = fc.constantFrom("a", "b", "c", "amount", "__proto__");
  const leaf = fc.oneof(fc.integer({ min: -2000, max: 2000 }), fc.string({ maxLength: 6 }), fc.boolean(), fc.constant(null));
  const json = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: "small" }, leaf, tie("object"), fc.array(tie("value"), { maxLength: 3 })),
    object: fc.dictionary(key, tie("value"), { maxKeys: 4 }),
  }));
  const path = fc.array(fc.oneof(key, fc.constant("*")), { minLength: 1, maxLength: 3 }).map((keys) => `metadata.${keys.join(".")}`);
  const rule = fc.oneof(
    fc.record({ path, max: fc.integer({ min: -100, max: 100 }) }),
    fc.record({ path, min: fc.integer({ min: -100, max: 100 }) }),
    fc.record({ path, set: fc.oneof(fc.integer(), fc.constantFrom("pinned", "other")) }),
  );
  const redaction = fc.oneof(fc.record({ path }), fc.record({ path, mask: fc.constantFrom("[x]", "[y]") }));
  const rewrite = fc.record(
    { policy: fc.constantFrom("p1", "p2", "p3"), transform: fc.array(rule, { minLength: 1, maxLength: 3 }), redact: fc.array(redaction, { minLength: 1, maxLength: 2 }) },
    { requiredKeys: ["policy"] },
  );

  it("property: the answer's changes, made on the call as sent, give exactly the call as rewritten; their values are the policies' own", () => {
    fc.assert(
      fc.property(json.object, fc.uniqueArray(rewrite, { selector: (r) => r.policy, maxLength: 3 }), (metadata, rewrites) => {
        const sent = JSON.parse(JSON.stringify(metadata)) as Record<string, unknown>;
        const made = applyRewrites(metadata, rewrites as PolicyRewrite[]);
        expect(metadata).toEqual(sent); // the call as sent is never changed in place
        if ("refused" in made) return;
        expect(applyChanges(metadata, made.changes)).toEqual(made.metadata);
        const policyValues = new Set<unknown>(
          rewrites.flatMap((r) => [
            ...(r.transform ?? []).map((t) => ("set" in t ? t.set : "max" in t ? t.max : t.min)),
            ...(r.redact ?? []).map((d) => ("mask" in d ? d.mask : undefined)),
          ]),
        );
        for (const change of made.changes) if (change.op === "set") expect(policyValues.has(change.value)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});

describe("redact and transform in a policy set", () => {
  it("are refused on a deny policy, on who asked (separation of duties reads it), and when a transform is half-made, each naming its field", () => {
    const refused = (policies: unknown[]) => {
      try {
        parse(policies);
      } catch (error) {
        return (error as { details: { issues: Array<{ path: string; message: string }> } }).details.issues;
      }
      throw new Error("accepted");
    };
    expect(refused([{ name: "d", actions: ["x"], effect: "deny", redact: [{ path: "metadata.a" }] }])).toEqual([
      { path: "policies[0].redact", message: expect.stringContaining("only allowed when effect is 'allow' or 'require_approval'") },
    ]);
    expect(refused([{ name: "r", actions: ["x"], effect: "allow", redact: [{ path: "metadata.requestedBy" }] }])[0]?.path).toBe("policies[0].redact[0].path");
    expect(refused([{ name: "r", actions: ["x"], effect: "allow", transform: [{ path: "metadata.a", set: 1, max: 2 }] }])[0]?.path).toBe("policies[0].transform[0].set");
    expect(refused([{ name: "r", actions: ["x"], effect: "allow", transform: [{ path: "metadata.a" }] }])[0]?.path).toBe("policies[0].transform[0].set");
    expect(refused([{ name: "r", actions: ["x"], effect: "allow", transform: [{ path: "metadata.a", min: 5, max: 1 }] }])[0]?.path).toBe("policies[0].transform[0].min");
    expect(refused([{ name: "r", actions: ["x"], effect: "allow", transform: [{ path: "arguments.a", max: 1 }] }])[0]?.path).toBe("policies[0].transform[0].path");
  });

  it("every applying enforce-mode policy's rewrite holds, whichever effect wins; none when the call is denied, none from monitor mode or a policy whose `when` does not hold", () => {
    const policies = compile([
      { name: "allow-charges", actions: ["tool.charge"], effect: "allow", redact: [{ path: "metadata.arguments.note" }] },
      {
        name: "big-charges",
        actions: ["tool.charge"],
        effect: "require_approval",
        when: { field: "metadata.arguments.amount", op: "gt", value: 1000 },
        transform: [{ path: "metadata.arguments.amount", max: 5000 }],
      },
      { name: "watch", actions: ["tool.charge"], effect: "allow", mode: "monitor", transform: [{ path: "metadata.arguments.currency", set: "usd" }] },
      { name: "no-refunds", actions: ["tool.charge"], effect: "deny", when: { field: "metadata.arguments.refund", op: "eq", value: true } },
    ]);
    const small = evaluate(policies, facts({ arguments: { amount: 10, note: "x" } }));
    expect(small).toMatchObject({ effect: "allow", rewrites: [{ policy: "allow-charges" }] });
    const big = evaluate(policies, facts({ arguments: { amount: 9000, note: "x" } }));
    expect(big.effect).toBe("require_approval");
    expect(big.rewrites?.map((r) => r.policy)).toEqual(["allow-charges", "big-charges"]);
    expect(evaluate(policies, facts({ arguments: { amount: 9000, refund: true } }))).not.toHaveProperty("rewrites");
  });
});

describe("rewriteRequest", () => {
  const request = (metadata: Record<string, unknown>, tool?: { name: string; argsDigest: string }): ActionRequest => ({
    actionType: "tool.charge",
    metadata,
    dataAccessed: [],
    ...(tool ? { tool } : {}),
  });
  const cap: PolicyRewrite[] = [{ policy: "cap", transform: [{ path: "metadata.arguments.amount", max: 500 }] }];

  it("binds a tool call to its arguments as rewritten", () => {
    const args = { amount: 900, to: "acct_1" };
    const made = rewriteRequest(request({ arguments: args }, { name: "charge", argsDigest: argsDigestOf(args) }), { rewrites: cap });
    expect(made).toEqual({
      request: { ...request({ arguments: { amount: 500, to: "acct_1" } }), tool: { name: "charge", argsDigest: argsDigestOf({ amount: 500, to: "acct_1" }) } },
      rewritten: { changes: [{ path: "metadata.arguments.amount", op: "set", value: 500, policy: "cap" }] },
    });
  });

  it("refuses a tool call whose metadata is not its arguments, or a change outside them: the agent could not make it", () => {
    const args = { amount: 900, secret: "s" };
    const picked = request({ arguments: { amount: 900 } }, { name: "charge", argsDigest: argsDigestOf(args) });
    expect(rewriteRequest(picked, { rewrites: cap })).toMatchObject({ refused: { policy: "cap" } });
    const outside = request({ arguments: args, env: "prod" }, { name: "charge", argsDigest: argsDigestOf(args) });
    expect(rewriteRequest(outside, { rewrites: [{ policy: "env", transform: [{ path: "metadata.env", set: "staging" }] }] })).toMatchObject({
      refused: { policy: "env", path: "metadata.env" },
    });
  });

  it("leaves a call no rewrite changes as it was (no `rewritten`, same digest)", () => {
    const args = { amount: 100 };
    const sent = request({ arguments: args }, { name: "charge", argsDigest: argsDigestOf(args) });
    expect(rewriteRequest(sent, { rewrites: cap })).toEqual({ request: sent });
  });
});

describe("policy tests and replay understand rewrites", () => {
  const documents = parse([
    { name: "charges", actions: ["tool.charge"], effect: "allow", redact: [{ path: "metadata.arguments.note" }], transform: [{ path: "metadata.arguments.amount", max: 500 }] },
  ]);

  it("a test can expect the metadata as rewritten; a rewrite that cannot be made is a deny with REWRITE_REFUSED", () => {
    const run = runPolicyTests(
      documents,
      parsePolicyTests({
        tests: [
          {
            name: "capped",
            request: { actionType: "tool.charge", metadata: { arguments: { amount: 900, note: "n" } } },
            expect: { effect: "allow", metadata: { arguments: { amount: 500 } } },
          },
          {
            name: "wrong",
            request: { actionType: "tool.charge", metadata: { arguments: { amount: 900 } } },
            expect: { effect: "allow", metadata: { arguments: { amount: 900 } } },
          },
          { name: "text", request: { actionType: "tool.charge", metadata: { arguments: { amount: "900" } } }, expect: { effect: "deny", policy: "charges" } },
        ],
      }),
    );
    expect(run.results.map((r) => [r.name, r.passed])).toEqual([
      ["capped", true],
      ["wrong", false],
      ["text", true],
    ]);
    expect(run.results[2]?.actual).toMatchObject({ effect: "deny", reason: "REWRITE_REFUSED" });
    expect(failedTestIssues(run)[0]?.message).toBe(
      `'wrong' expected allow with metadata {"arguments":{"amount":900}}, got allow by charges with metadata {"arguments":{"amount":500}}`,
    );
  });

  it("replay counts the decisions a draft would rewrite, and a rewrite it cannot make as a deny", () => {
    const record = (actionId: string, args: Record<string, unknown>) => ({
      actionId,
      at: "2026-11-01T00:00:00.000Z",
      actionType: "tool.charge",
      agentId: "agt_1",
      agentName: "billing",
      subject: agent,
      metadata: { arguments: args },
      dataAccessed: [],
      recorded: "allow" as const,
      policy: "charges",
    });
    const result = replayDecisions(documents, [record("a1", { amount: 900 }), record("a2", { amount: 100 }), record("a3", { amount: "9" })]);
    expect(result).toMatchObject({
      evaluated: 3,
      changed: 1,
      rewritten: 1,
      transitions: [{ from: "allow", to: "deny", count: 1 }],
      samples: [{ actionId: "a3", policyAfter: "charges" }],
    });
  });
});
