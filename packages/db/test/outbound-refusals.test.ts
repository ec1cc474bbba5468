import { generateCosigner } from "@gatehouse/tlog";
import { afterAll, describe, expect, it } from "vitest";
import { checkpointAuditLog, closeSignals, db, disconnectDb, getWitnessStatus, refusedDestination, witnessLatestCheckpoints, type Resolve } from "../src";
import { postGuarded } from "../src/infra/outbound";
import { createTestOrg } from "../src/testing";

// The SSRF guard's refusals are no oracle on the instance's network (issue 62, point 9; docs/webhooks.md). Whoever
// sets a URL — an admin saving a webhook or a witness policy, or a stolen admin key — points it at a name of their
// choosing and reads the refusal back (the 400, a delivery's error, a witness's status). Were the address the name
// resolved to, or its kind, in that text, every internal name would be a question the server answers. Each surface,
// for each kind of address a name may resolve to: the same words, "private or reserved address", and no address.
// (Saving a webhook at such a URL, with the instance's own resolver: webhooks-ssrf.test.ts.)

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

const REFUSED = "private or reserved address";

const ADDRESS_KINDS: Array<[string, string, 4 | 6]> = [
  ["RFC 1918", "10.0.0.1", 4],
  ["IPv6 loopback", "::1", 6],
  ["cloud metadata (link-local)", "169.254.169.254", 4],
  ["IPv4 loopback", "127.0.0.1", 4],
  ["RFC 1918, 192.168/16", "192.168.1.20", 4],
  ["carrier-grade NAT", "100.64.0.7", 4],
  ["IPv6 unique local", "fd00::5", 6],
  ["IPv6 link-local", "fe80::1", 6],
  ["IPv4-mapped private", "::ffff:10.0.0.1", 6],
];

/** What a hostile DNS (or the instance's internal one) answers for every name. */
const resolvesTo =
  (address: string, family: 4 | 6): Resolve =>
  async () => [{ address, family }];

/** The words a refusal must not carry: the address, and what kind of address it is. */
function expectNoOracle(text: string | null | undefined, address: string): void {
  expect(text).toBeTruthy();
  expect(text).not.toContain(address);
  expect(text).not.toMatch(/loopback|link-local|carrier|unique local|multicast|documentation|benchmark|resolves to/i);
}

describe.each(ADDRESS_KINDS)("a name that resolves to %s (%s)", (_kind, address, family) => {
  const resolve = resolvesTo(address, family);

  it("checked when a URL is saved: refused as a private or reserved address, without the address", async () => {
    const why = await refusedDestination(new URL("https://internal.example.test/hook"), { allowPrivate: false, resolve });
    expect(why).toBe(REFUSED);
    expectNoOracle(why, address);
  });

  it("checked where the request connects (a delivery, a witness request): the same words", async () => {
    const answer = await postGuarded(
      "http://internal.example.test:9/hook",
      { headers: {}, body: "{}", contentType: "application/json", userAgent: "test" },
      { allowPrivate: false, resolve, timeoutMs: 5_000 },
    );
    expect(answer).toMatchObject({ ok: false, status: null, error: `refused: ${REFUSED}` });
    expectNoOracle(answer.error, address);
  });

  it("written as the URL's own host: the same words", async () => {
    const host = family === 6 ? `[${address}]` : address;
    const answer = await postGuarded(
      `http://${host}:9/hook`,
      { headers: {}, body: "{}", contentType: "application/json", userAgent: "test" },
      { allowPrivate: false, timeoutMs: 5_000 },
    );
    expect(answer.error).toBe(`refused: ${REFUSED}`);
    expect(await refusedDestination(new URL(`http://${host}:9/hook`), { allowPrivate: false })).toBe(REFUSED);
  });

  it("a witness at that name: its status says the same, and nothing reached it", async () => {
    const org = await createTestOrg({ label: "ssrf-witness" });
    const { vkey } = generateCosigner("witness.test/inside");
    const policy = `witness inside ${vkey} http://internal.example.test:9\nquorum inside\n`;
    await db().pool.query(`UPDATE orgs SET settings = jsonb_set(settings, '{witnesses}', $2::jsonb) WHERE id = $1`, [org.org.id, JSON.stringify({ policy })]);
    await checkpointAuditLog(org.org.id);
    await witnessLatestCheckpoints({ onlyOrgs: [org.org.id], send: { allowPrivate: false, resolve } });
    const [witness] = (await getWitnessStatus({ ctx: org.ctx })).witnesses;
    expect(witness).toMatchObject({ lastStatus: null, lastError: `refused: ${REFUSED}` });
    expectNoOracle(witness?.lastError, address);
  });
});
