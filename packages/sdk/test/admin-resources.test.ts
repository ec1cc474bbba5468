// GatehouseAdmin is wired from one file per resource (src/admin/<name>.ts: its interface and its
// createAdmin<Name>(config)); these cases hold the class to that, so a resource cannot be half added:
// a file whose factory the class does not wire, a field no file makes, or an interface the package
// exports that is not the one the client's field has.
import { readdirSync } from "node:fs";
import { describe, expect, expectTypeOf, it } from "vitest";
import { resolveConfig } from "../src/config.ts";
import {
  GatehouseAdmin,
  type AdminAgentKeys,
  type AdminAgents,
  type AdminApprovals,
  type AdminAudit,
  type AdminDelegations,
  type AdminGrants,
  type AdminHealth,
  type AdminInvitations,
  type AdminKeys,
  type AdminMembers,
  type AdminOrg,
  type AdminPolicies,
  type AdminRuns,
  type AdminSettings,
  type AdminSlack,
  type AdminWebhooks,
} from "../src/index.ts";
import { ADMIN_KEY, adminClient, json } from "./helpers.ts";

/** The files of src/admin/ that are resources (a helper such as once-key.ts makes no resource). */
const RESOURCE_FILES = readdirSync(new URL("../src/admin/", import.meta.url)).filter((file) => file.endsWith(".ts") && file !== "once-key.ts");

const config = resolveConfig({ apiKey: ADMIN_KEY, fetch: async () => json(200, {}) }, {}, { prefix: "gh_admin_", example: "", description: "" });

/** The method names of a resource, nested resources as `agents.keys.list`. */
function methods(resource: object, prefix = ""): string[] {
  return Object.entries(resource).flatMap(([name, value]) =>
    typeof value === "function" ? [`${prefix}${name}`] : typeof value === "object" && value !== null ? methods(value as object, `${prefix}${name}.`) : [],
  );
}

describe("GatehouseAdmin's resources", () => {
  it("each file of src/admin/ is one resource: it exports one createAdmin<Name>, and the client's <name> field is what it makes", async () => {
    const admin = new GatehouseAdmin({ apiKey: ADMIN_KEY, fetch: async () => json(200, {}) });
    const wired: string[] = [];
    for (const file of RESOURCE_FILES) {
      const name = file.replace(/\.ts$/, "");
      const module = (await import(`../src/admin/${file}`)) as Record<string, unknown>;
      const factories = Object.keys(module).filter((exported) => exported.startsWith("createAdmin"));
      expect(factories, file).toEqual([`createAdmin${name[0]?.toUpperCase()}${name.slice(1)}`]);
      const made = (module[factories[0] as string] as (c: typeof config) => object)(config);
      const field = (admin as unknown as Record<string, object | undefined>)[name];
      expect(field, `GatehouseAdmin.${name}`).toBeDefined();
      expect(methods(field as object), file).toEqual(methods(made));
      wired.push(name);
    }
    // And the other way round: every resource field of the client comes from a file of src/admin/.
    const fields = Object.entries(admin)
      .filter(([, value]) => typeof value === "object" && value !== null)
      .map(([name]) => name);
    expect(fields.toSorted()).toEqual(wired.toSorted());
  });

  it("the interfaces the package exports are the types of the client's fields", () => {
    expectTypeOf<GatehouseAdmin["policies"]>().toEqualTypeOf<AdminPolicies>();
    expectTypeOf<GatehouseAdmin["approvals"]>().toEqualTypeOf<AdminApprovals>();
    expectTypeOf<GatehouseAdmin["org"]>().toEqualTypeOf<AdminOrg>();
    expectTypeOf<GatehouseAdmin["settings"]>().toEqualTypeOf<AdminSettings>();
    expectTypeOf<GatehouseAdmin["members"]>().toEqualTypeOf<AdminMembers>();
    expectTypeOf<GatehouseAdmin["invitations"]>().toEqualTypeOf<AdminInvitations>();
    expectTypeOf<GatehouseAdmin["agents"]>().toEqualTypeOf<AdminAgents>();
    expectTypeOf<GatehouseAdmin["agents"]["keys"]>().toEqualTypeOf<AdminAgentKeys>();
    expectTypeOf<GatehouseAdmin["keys"]>().toEqualTypeOf<AdminKeys>();
    expectTypeOf<GatehouseAdmin["delegations"]>().toEqualTypeOf<AdminDelegations>();
    expectTypeOf<GatehouseAdmin["runs"]>().toEqualTypeOf<AdminRuns>();
    expectTypeOf<GatehouseAdmin["webhooks"]>().toEqualTypeOf<AdminWebhooks>();
    expectTypeOf<GatehouseAdmin["grants"]>().toEqualTypeOf<AdminGrants>();
    expectTypeOf<GatehouseAdmin["slack"]>().toEqualTypeOf<AdminSlack>();
    expectTypeOf<GatehouseAdmin["health"]>().toEqualTypeOf<AdminHealth>();
    // The package's AdminAudit is still src/audit.ts's (the log and rotateKey); the client's adds erase.
    expectTypeOf<GatehouseAdmin["audit"]>().toExtend<AdminAudit>();
  });
});

describe("admin.health", () => {
  it("reads the org's governance health", async () => {
    const answer = { status: "ok", checkedAt: "2026-11-26T08:00:00.000Z", items: {} };
    const { admin, calls } = adminClient([json(200, answer)]);
    expect(await admin.health.governance()).toEqual(answer);
    expect(calls.map((call) => [call.init.method, call.url])).toEqual([["GET", "http://localhost:4000/health/governance"]]);
  });
});

describe("admin.runs and admin.budgets", () => {
  it("list and read the org's runs, any agent's, a page at a time", async () => {
    const page = { runs: [], nextCursor: null };
    const { admin, calls } = adminClient([json(200, page), json(200, page), json(200, { run: { id: "run_1" }, timeline: [], truncated: false })]);
    expect(await admin.runs.list()).toEqual(page);
    await admin.runs.list({ status: "waiting", agentId: "agt_1", limit: 10, cursor: "1.run_x" });
    await admin.runs.get("run_1");
    expect(calls.map((call) => [call.init.method, call.url])).toEqual([
      ["GET", "http://localhost:4000/v1/runs"],
      ["GET", "http://localhost:4000/v1/runs?status=waiting&agentId=agt_1&limit=10&cursor=1.run_x"],
      ["GET", "http://localhost:4000/v1/runs/run_1"],
    ]);
  });

  it("list the budgets' counts and the prices", async () => {
    const prices = { version: "2026-01", models: [], overrides: [] };
    const { admin, calls } = adminClient([json(200, { budgets: [] }), json(200, { budgets: [] }), json(200, prices)]);
    await admin.budgets.list();
    await admin.budgets.list({ limit: 5 });
    expect(await admin.budgets.prices()).toEqual(prices);
    expect(calls.map((call) => call.url)).toEqual(["http://localhost:4000/v1/budgets", "http://localhost:4000/v1/budgets?limit=5", "http://localhost:4000/v1/prices"]);
  });
});
