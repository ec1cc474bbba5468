import type { Page } from "@playwright/test";
import { createTestOrg } from "@gatehouse/db/testing";
import { expect, openSignedIn, test } from "./fixtures";
import type { E2EStack } from "./stack";

// The console's own event stream (GET /api/orgs/<slug>/events) on the real console: Last-Event-ID
// variants answer before any stream starts, a replay arrives as a stream, and a signed-in user holds
// at most 10 streams at once (429 with Retry-After past that). Bounded replay and slow readers are
// tested on the shared feed in apps/api/test/event-streams.test.ts, the console's pull-only body and
// its per-org cap in apps/web/test/event-stream.test.ts.

/**
 * Signs in straight to the account page (no org page, so the browser opens no stream of its own) and
 * returns the session cookie.
 */
async function cookieOf(page: Page, stack: E2EStack, credentials: { email: string; password: string } = stack.member): Promise<string> {
  await openSignedIn(page, "/account", credentials);
  await expect(page).toHaveURL(/\/account$/);
  const { cookies } = await page.context().storageState();
  return cookies.map((c) => `${c.name}=${c.value}`).join("; ");
}

/** Opens a stream; for a 200, reads what arrives within `forMs`, then keeps it open until `close`. */
async function open(stack: E2EStack, cookie: string, path: string, headers: Record<string, string> = {}, forMs = 300) {
  const controller = new AbortController();
  const response = await fetch(new URL(path, stack.webUrl), { headers: { cookie, ...headers }, signal: controller.signal });
  let text = "";
  if (response.status === 200) {
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const deadline = Date.now() + forMs;
    for (;;) {
      const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), Math.max(0, deadline - Date.now())));
      const chunk = await Promise.race([reader.read(), timeout]);
      if (!chunk || chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
    }
  } else {
    text = await response.text();
  }
  return { status: response.status, retryAfter: response.headers.get("retry-after"), text, close: () => controller.abort() };
}

test("Last-Event-ID variants on the console's stream: a replay from 0 streams; malformed or future ids are 400; another org is 404", async ({ page, stack }) => {
  // One decision, so the log holds an event to replay.
  const decided = await fetch(new URL("/v1/actions", stack.apiUrl), {
    method: "POST",
    headers: { authorization: `Bearer ${stack.agent.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ actionType: "pr.open", metadata: { from: "event-streams.spec" } }),
  });
  expect(decided.status).toBe(200);
  const cookie = await cookieOf(page, stack);
  const path = `/api/orgs/${stack.org.slug}/events`;
  const rows: Array<{ name: string; path: string; headers?: Record<string, string>; status: number; field?: string }> = [
    { name: "0", path, headers: { "last-event-id": "0" }, status: 200 },
    { name: "0 as ?lastEventId=", path: `${path}?lastEventId=0`, status: 200 },
    { name: "negative", path, headers: { "last-event-id": "-1" }, status: 400, field: "lastEventId" },
    { name: "garbage", path, headers: { "last-event-id": "yesterday" }, status: 400, field: "lastEventId" },
    { name: "huge", path, headers: { "last-event-id": "999999999999999999" }, status: 400, field: "lastEventId" },
    { name: "future", path, headers: { "last-event-id": "99999999" }, status: 400, field: "lastEventId" },
    { name: "another org's stream", path: `/api/orgs/${stack.otherOrg.slug}/events`, headers: { "last-event-id": "0" }, status: 404 },
  ];
  for (const row of rows) {
    const answer = await open(stack, cookie, row.path, row.headers);
    answer.close();
    expect(answer.status, row.name).toBe(row.status);
    if (row.status === 200) {
      expect(answer.text, row.name).toMatch(/^retry: 2000\n: connected\n\n/);
      // The stack's org has a short log: the replay from 0 is whole, its events in order.
      expect(answer.text, row.name).not.toContain("replay.truncated");
      const ids = [...answer.text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
      expect(ids.length, row.name).toBeGreaterThan(0);
      expect(ids, row.name).toEqual([...ids].sort((a, b) => a - b));
    }
    if (row.field) expect((JSON.parse(answer.text) as { error: { details: { issues: Array<{ path: string }> } } }).error.details.issues[0]?.path, row.name).toBe(row.field);
  }
});

test("a signed-in user holds at most 10 streams: the 11th is 429 with Retry-After, and closing one frees its slot", async ({ page, stack }) => {
  // The starting point: a user and an org of this test's own, signed in without opening an org page,
  // so none of the user's 10 slots is held by an earlier test or by the page.
  const own = await createTestOrg({ label: "e2e-stream-cap" });
  const cookie = await cookieOf(page, stack, { email: own.owner.email, password: own.owner.password });
  const path = `/api/orgs/${own.org.slug}/events`;
  const streams = await Promise.all(Array.from({ length: 10 }, () => open(stack, cookie, path, {}, 50)));
  try {
    expect(streams.map((s) => s.status)).toEqual(Array(10).fill(200));
    const refused = await open(stack, cookie, path);
    expect([refused.status, refused.retryAfter]).toEqual([429, "5"]);
    expect(JSON.parse(refused.text)).toMatchObject({
      error: { code: "RATE_LIMITED", message: "10 event streams are already open for your account (at most 10); close one first" },
    });
    streams.pop()?.close();
    await expect
      .poll(
        async () => {
          const again = await open(stack, cookie, path, {}, 50);
          if (again.status === 200) streams.push(again);
          else again.close();
          return again.status;
        },
        { intervals: [25, 50, 100], timeout: 2_000 },
      )
      // Freed when its request ends, not at the next heartbeat (15 s) or a later sweep.
      .toBe(200);
  } finally {
    for (const s of streams) s.close();
  }
});
