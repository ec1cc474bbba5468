import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  authenticateApiKey,
  closeSignals,
  createMcpGateway,
  createMcpServer,
  db,
  deleteMcpGateway,
  deleteMcpServer,
  disconnectDb,
  getMcpGateway,
  getMcpServer,
  isDomainError,
  listMcpGateways,
  listMcpServers,
  MCP_CREDENTIAL_PURPOSE,
  updateMcpGateway,
  updateMcpServer,
  type Ctx,
} from "../src";
import { DOMAIN_ERROR_STATUS } from "@gatehouse/core";
import { openOrgSecret } from "../src/infra/org-vault";
import { addTestMember, createTestOrg, type TestOrg } from "../src/testing";

// The org's MCP servers and gateways (issue 65, docs/integrations/mcp.md) as an admin manages them, and as an
// attacker tries them: another org's ids, a credential read back, an upstream on the instance's own network, bad
// names. Runs as a hosted instance does, without GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE; nothing reads it before this line.
process.env.GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE = "0";

/** A public address literal: accepted without a DNS lookup, never connected to here. */
const PUBLIC = "http://93.184.215.14";
const SECRET = "Bearer mcp-upstream-9f2c61d0b7e14a55";

let mine: TestOrg;
let theirs: TestOrg;
let admin: Ctx;
let outsider: Ctx;

const ctxOf = async (apiKey: string): Promise<Ctx> => ({ ...(await authenticateApiKey(apiKey)), requestId: "mcp-servers" });

async function refusal(run: () => Promise<unknown>): Promise<{ code: string; status: number; fields: string[] }> {
  try {
    await run();
  } catch (error) {
    if (!isDomainError(error)) throw error;
    const details = error.details as { issues?: Array<{ path: string }> } | undefined;
    return { code: error.code, status: DOMAIN_ERROR_STATUS[error.code], fields: (details?.issues ?? []).map((issue) => issue.path) };
  }
  throw new Error("expected a refusal");
}

/** The org's mcp.* entries, each with its data as sealed (the canonical text the log hashes). */
async function entriesOf(orgId: string): Promise<Array<{ type: string; subjectId: string | null; data: Record<string, unknown> }>> {
  const rows = await db().auditEntry.findMany({ where: { orgId, type: { startsWith: "mcp." } }, orderBy: { seq: "asc" } });
  return rows.map((row) => ({ type: row.type, subjectId: row.subjectId, data: (JSON.parse(row.canonical) as { data: Record<string, unknown> }).data }));
}

beforeAll(async () => {
  mine = await createTestOrg({ label: "mcp-mine" });
  theirs = await createTestOrg({ label: "mcp-theirs" });
  admin = await ctxOf(mine.adminKey.apiKey);
  outsider = await ctxOf(theirs.adminKey.apiKey);
});
afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

describe("an MCP server's credential", () => {
  it("is sealed for its row and org, said to be there, and never answered or logged", async () => {
    const server = await createMcpServer({ ctx: admin, input: { name: "github", url: `${PUBLIC}/mcp`, credential: SECRET } });
    expect(server).toMatchObject({ name: "github", hasCredential: true, tools: 0, changedTools: 0, catalogDigest: null, gateways: [] });
    const answers = [server, await getMcpServer({ ctx: admin, input: { id: server.id } }), await listMcpServers({ ctx: admin })];
    for (const answer of answers) expect(JSON.stringify(answer)).not.toContain("mcp-upstream");

    const row = await db().mcpServer.findUniqueOrThrow({ where: { id: server.id }, omit: { credentialEnc: false } });
    expect(row.credentialEnc).not.toContain("mcp-upstream");
    expect(await openOrgSecret(MCP_CREDENTIAL_PURPOSE, server.id, mine.org.id, row.credentialEnc!)).toBe(SECRET);
    // Moved to another org's row, it does not open.
    await expect(openOrgSecret(MCP_CREDENTIAL_PURPOSE, server.id, theirs.org.id, row.credentialEnc!)).rejects.toThrow(/does not decrypt/);
    // A plain read leaves it out (SECRET_FIELDS).
    expect(Object.keys(await db().mcpServer.findUniqueOrThrow({ where: { id: server.id } }))).not.toContain("credentialEnc");

    const removed = await updateMcpServer({ ctx: admin, input: { id: server.id, body: { credential: null } } });
    expect(removed.hasCredential).toBe(false);
    const entries = await entriesOf(mine.org.id);
    expect(JSON.stringify(entries)).not.toContain("mcp-upstream");
    expect(entries.map((entry) => [entry.type, entry.data.change, entry.data.credential])).toEqual([
      ["mcp.server_changed", "created", "set"],
      ["mcp.server_changed", "updated", "removed"],
    ]);
  });
});

describe("a server's credential and its URL", () => {
  it("goes only where it was given for: a URL on another origin needs it again, or none", async () => {
    const server = await createMcpServer({ ctx: admin, input: { name: "moves", url: `${PUBLIC}/a`, credential: SECRET } });
    expect(await refusal(() => updateMcpServer({ ctx: admin, input: { id: server.id, body: { url: "http://93.184.215.15/collect" } } }))).toMatchObject({
      status: 400,
      fields: ["credential"],
    });
    expect((await getMcpServer({ ctx: admin, input: { id: server.id } })).url).toBe(`${PUBLIC}/a`);
    // The same origin keeps it; another origin with the credential given again, or with none, is taken.
    expect(await updateMcpServer({ ctx: admin, input: { id: server.id, body: { url: `${PUBLIC}/b` } } })).toMatchObject({ url: `${PUBLIC}/b`, hasCredential: true });
    expect(await updateMcpServer({ ctx: admin, input: { id: server.id, body: { url: "http://93.184.215.15/mcp", credential: null } } })).toMatchObject({ hasCredential: false });
  });
});

describe("what an admin may not do", () => {
  it("refuses an upstream on the instance's own network with a 400 naming url, and writes nothing", async () => {
    const before = await db().mcpServer.count({ where: { orgId: mine.org.id } });
    for (const url of ["http://127.0.0.1:8080/mcp", "http://169.254.169.254/latest", "http://[::1]/mcp", "http://10.0.0.7/mcp"]) {
      expect(await refusal(() => createMcpServer({ ctx: admin, input: { name: "internal", url } }))).toMatchObject({ status: 400, fields: ["url"] });
    }
    const existing = await createMcpServer({ ctx: admin, input: { name: "moving", url: `${PUBLIC}/moving` } });
    expect(await refusal(() => updateMcpServer({ ctx: admin, input: { id: existing.id, body: { url: "http://127.0.0.1/mcp" } } }))).toMatchObject({ status: 400, fields: ["url"] });
    expect((await getMcpServer({ ctx: admin, input: { id: existing.id } })).url).toBe(`${PUBLIC}/moving`);
    expect(await db().mcpServer.count({ where: { orgId: mine.org.id } })).toBe(before + 1);
  });

  it("answers another org's servers and gateways as not found, and cannot serve another org's server", async () => {
    const server = await createMcpServer({ ctx: outsider, input: { name: "theirs", url: `${PUBLIC}/theirs`, credential: SECRET } });
    const gateway = await createMcpGateway({ ctx: outsider, input: { name: "theirs", servers: ["theirs"] } });
    const attempts: Array<() => Promise<unknown>> = [
      () => getMcpServer({ ctx: admin, input: { id: server.id } }),
      () => updateMcpServer({ ctx: admin, input: { id: server.id, body: { url: `${PUBLIC}/stolen` } } }),
      () => deleteMcpServer({ ctx: admin, input: { id: server.id } }),
      () => getMcpGateway({ ctx: admin, input: { id: gateway.id } }),
      () => updateMcpGateway({ ctx: admin, input: { id: gateway.id, body: { servers: [] } } }),
      () => deleteMcpGateway({ ctx: admin, input: { id: gateway.id } }),
    ];
    for (const attempt of attempts) expect(await refusal(attempt)).toMatchObject({ status: 404 });
    // Its server's name is not one of this org's.
    expect(await refusal(() => createMcpGateway({ ctx: admin, input: { name: "borrowed", servers: ["theirs"] } }))).toMatchObject({ status: 400, fields: ["servers"] });
    expect(await db().mcpGateway.count({ where: { orgId: mine.org.id, name: "borrowed" } })).toBe(0);
    expect(await getMcpServer({ ctx: outsider, input: { id: server.id } })).toMatchObject({ url: `${PUBLIC}/theirs`, hasCredential: true, gateways: ["theirs"] });
  });

  it("refuses a name taken in the org with a 409, and lets another org use it", async () => {
    await createMcpServer({ ctx: admin, input: { name: "twice", url: `${PUBLIC}/a` } });
    expect(await refusal(() => createMcpServer({ ctx: admin, input: { name: "twice", url: `${PUBLIC}/b` } }))).toMatchObject({ status: 409 });
    await createMcpServer({ ctx: outsider, input: { name: "twice", url: `${PUBLIC}/c` } });
    await createMcpGateway({ ctx: admin, input: { name: "twice", servers: [] } });
    expect(await refusal(() => createMcpGateway({ ctx: admin, input: { name: "twice", servers: ["twice"] } }))).toMatchObject({ status: 409 });
  });

  it("leaves it to members with integrations.manage", async () => {
    const viewer = await ctxOf((await addTestMember(mine, "viewer")).apiKey);
    expect(await refusal(() => listMcpServers({ ctx: viewer }))).toMatchObject({ status: 403 });
    expect(await refusal(() => createMcpServer({ ctx: viewer, input: { name: "sneaky", url: `${PUBLIC}/s` } }))).toMatchObject({ status: 403 });
    expect(await refusal(() => listMcpGateways({ ctx: viewer }))).toMatchObject({ status: 403 });
  });
});

describe("a gateway", () => {
  it("serves the servers named, loses a deleted one, and records each change", async () => {
    const a = await createMcpServer({ ctx: admin, input: { name: "docs", url: `${PUBLIC}/docs` } });
    await createMcpServer({ ctx: admin, input: { name: "tickets", url: `${PUBLIC}/tickets` } });
    const gateway = await createMcpGateway({ ctx: admin, input: { name: "team", servers: ["tickets", "docs", "docs"], onChange: "require_approval" } });
    expect(gateway).toMatchObject({ name: "team", servers: ["docs", "tickets"], onChange: "require_approval", path: `/mcp/${mine.org.slug}/team` });
    expect((await getMcpServer({ ctx: admin, input: { id: a.id } })).gateways).toEqual(["team"]);

    await deleteMcpServer({ ctx: admin, input: { id: a.id } });
    expect((await getMcpGateway({ ctx: admin, input: { id: gateway.id } })).servers).toEqual(["tickets"]);
    const changed = await updateMcpGateway({ ctx: admin, input: { id: gateway.id, body: { onChange: "hide", servers: [] } } });
    expect(changed).toMatchObject({ servers: [], onChange: "hide" });

    const entries = (await entriesOf(mine.org.id)).filter((entry) => entry.subjectId === gateway.id);
    expect(entries.map((entry) => entry.data)).toEqual([
      { gatewayId: gateway.id, name: "team", change: "created", servers: ["docs", "tickets"], onChange: "require_approval" },
      { gatewayId: gateway.id, name: "team", change: "updated", servers: [], onChange: "hide" },
    ]);
  });
});
