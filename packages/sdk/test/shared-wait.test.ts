import { describe, expect, it, vi } from "vitest";
import { Gatehouse } from "../src/client.ts";
import { APIUserAbortError, ApprovalTimeoutError, AuthenticationError, DeniedError, NotFoundError } from "../src/errors.ts";
import type { Fetch } from "../src/types.ts";
import { MAX_WAIT_IDS } from "../src/wait.ts";
import { API_KEY, BO, apiError, approvalObject, approvedObject, endedObject, fakeTime, json } from "./helpers.ts";

/** `apr_` and 22 characters, numbered. */
const idOf = (n: number) => `apr_${String(n).padStart(22, "0")}`;

interface Held {
  ids: string[];
  timeoutMs: number;
  signal: AbortSignal;
  /** Settled: answered, or aborted by the client. */
  done: boolean;
  respond: (response: Response) => void;
}

/** A server whose waits stay open until the test answers them; every other call is refused. */
function heldServer(): { fetch: Fetch; waits: Held[]; open: () => Held[] } {
  const waits: Held[] = [];
  const fetch: Fetch = (url, init) => {
    if (!url.endsWith("/v1/approvals/wait") || init.method !== "POST") return Promise.reject(new Error(`unexpected call to ${url}`));
    const body = JSON.parse(String(init.body)) as { approvalIds: string[]; timeoutMs: number };
    return new Promise<Response>((resolve, reject) => {
      const held: Held = {
        ids: body.approvalIds,
        timeoutMs: body.timeoutMs,
        signal: init.signal as AbortSignal,
        done: false,
        respond: (response) => {
          held.done = true;
          resolve(response);
        },
      };
      init.signal?.addEventListener("abort", () => {
        held.done = true;
        reject(new DOMException("aborted", "AbortError"));
      });
      waits.push(held);
    });
  };
  return { fetch, waits, open: () => waits.filter((w) => !w.done) };
}

const approvedAs = (id: string) => ({ ...approvedObject(), id, result: { ...(approvedObject().result as object), approvalId: id } });
const deniedAs = (id: string) => ({ ...endedObject("denied", "DENIED_BY_REVIEWER", { decidedBy: BO }), id });
const answer = (approvals: unknown[], pending: string[], notFound: string[] = []) => json(200, { approvals, pending, notFound });

function gatehouseOn(fetch: Fetch, internals: ConstructorParameters<typeof Gatehouse>[1] = {}): Gatehouse {
  return new Gatehouse({ apiKey: API_KEY, fetch, heartbeat: false }, { sleep: async () => {}, random: () => 0, ...internals });
}

/** Which way each promise settled, without failing on rejections. */
function outcomes(promises: Array<Promise<unknown>>): Array<Promise<unknown>> {
  return promises.map((p) =>
    p.then(
      (value) => ({ ok: value }),
      (error: unknown) => ({ error }),
    ),
  );
}

describe("all waits of one client share one long-poll", () => {
  it("100 gates waiting at once: one request carrying every id, and never two in flight", async () => {
    const server = heldServer();
    const gatehouse = gatehouseOn(server.fetch);
    const ids = Array.from({ length: 100 }, (_, i) => idOf(i));
    const waits = outcomes(ids.map((id) => gatehouse.waitForApproval(id)));
    await vi.waitFor(() => expect(server.waits).toHaveLength(1));
    expect(server.waits[0]?.ids).toEqual(ids);
    server.waits[0]?.respond(answer(ids.map(approvedAs), []));
    expect((await Promise.all(waits)).every((o) => "ok" in (o as object))).toBe(true);
    expect(server.waits).toHaveLength(1);
  });

  it("resolves the gates whose approvals were approved, rejects the denied ones, and waits again on the rest only", async () => {
    const server = heldServer();
    const gatehouse = gatehouseOn(server.fetch);
    const [a, b, c] = [idOf(1), idOf(2), idOf(3)];
    const [waitA, waitB, waitC] = outcomes([a, b, c].map((id) => gatehouse.waitForApproval(id)));
    await vi.waitFor(() => expect(server.open()).toHaveLength(1));
    server.waits[0]?.respond(answer([approvedAs(a), deniedAs(c)], [b]));
    expect(await waitA).toEqual({ ok: approvedAs(a).result });
    const denied = ((await waitC) as { error: unknown }).error;
    expect(denied).toBeInstanceOf(DeniedError);
    expect(denied).toMatchObject({ approvalId: c, reason: "DENIED_BY_REVIEWER", decidedBy: BO.email });

    await vi.waitFor(() => expect(server.open()).toHaveLength(1));
    expect(server.waits[1]?.ids).toEqual([b]);
    server.waits[1]?.respond(answer([approvedAs(b)], []));
    expect(await waitB).toEqual({ ok: approvedAs(b).result });
  });

  it("a gate that joins while a wait is out re-issues it with the new set; the first is cancelled, never left open beside it", async () => {
    const server = heldServer();
    const gatehouse = gatehouseOn(server.fetch);
    const first = gatehouse.waitForApproval(idOf(1));
    await vi.waitFor(() => expect(server.open()).toHaveLength(1));
    const second = gatehouse.waitForApproval(idOf(2));
    await vi.waitFor(() => expect(server.waits).toHaveLength(2));
    expect([server.waits[0]?.signal.aborted, server.open().length, server.waits[1]?.ids]).toEqual([true, 1, [idOf(1), idOf(2)]]);
    server.waits[1]?.respond(answer([approvedAs(idOf(1)), approvedAs(idOf(2))], []));
    await expect(Promise.all([first, second])).resolves.toHaveLength(2);
  });

  it("two waits on the same approval ask for it once and both settle", async () => {
    const server = heldServer();
    const gatehouse = gatehouseOn(server.fetch);
    const both = Promise.all([gatehouse.waitForApproval(idOf(7)), gatehouse.waitForApproval(idOf(7))]);
    await vi.waitFor(() => expect(server.open()).toHaveLength(1));
    expect(server.waits[0]?.ids).toEqual([idOf(7)]);
    server.waits[0]?.respond(answer([approvedAs(idOf(7))], []));
    expect(await both).toEqual([approvedAs(idOf(7)).result, approvedAs(idOf(7)).result]);
  });

  it(`more than ${MAX_WAIT_IDS} approvals: one request per ${MAX_WAIT_IDS}`, async () => {
    const server = heldServer();
    const gatehouse = gatehouseOn(server.fetch);
    const ids = Array.from({ length: MAX_WAIT_IDS + 5 }, (_, i) => idOf(i));
    const waits = Promise.all(ids.map((id) => gatehouse.waitForApproval(id)));
    await vi.waitFor(() => expect(server.open()).toHaveLength(2));
    expect(server.waits.map((w) => w.ids.length).sort((x, y) => x - y)).toEqual([5, MAX_WAIT_IDS]);
    for (const wait of server.open()) wait.respond(answer(wait.ids.map(approvedAs), []));
    await expect(waits).resolves.toHaveLength(ids.length);
  });

  it("an id the server does not find ends that wait with a NotFoundError; the others keep waiting", async () => {
    const server = heldServer();
    const gatehouse = gatehouseOn(server.fetch);
    const [mine, foreign] = outcomes([gatehouse.waitForApproval(idOf(1)), gatehouse.waitForApproval(idOf(2))]);
    await vi.waitFor(() => expect(server.open()).toHaveLength(1));
    server.waits[0]?.respond(answer([], [idOf(1)], [idOf(2)]));
    const error = ((await foreign) as { error: unknown }).error;
    expect([error instanceof NotFoundError, (error as NotFoundError).status]).toEqual([true, 404]);
    await vi.waitFor(() => expect(server.open()).toHaveLength(1));
    expect(server.waits[1]?.ids).toEqual([idOf(1)]);
    server.waits[1]?.respond(answer([approvedAs(idOf(1))], []));
    expect(await mine).toEqual({ ok: approvedAs(idOf(1)).result });
  });

  it("a refused request (401) ends every wait it carried with that error", async () => {
    const server = heldServer();
    const gatehouse = gatehouseOn(server.fetch);
    const waits = outcomes([gatehouse.waitForApproval(idOf(1)), gatehouse.waitForApproval(idOf(2))]);
    await vi.waitFor(() => expect(server.open()).toHaveLength(1));
    server.waits[0]?.respond(apiError(401, "UNAUTHENTICATED"));
    const errors = (await Promise.all(waits)).map((o) => (o as { error: unknown }).error);
    expect(errors.every((e) => e instanceof AuthenticationError)).toBe(true);
    expect(server.waits).toHaveLength(1);
  });
});

describe("deadlines and signals stay per call", () => {
  it("holds until the soonest deadline; that wait times out alone, the other waits on", async () => {
    const time = fakeTime();
    const server = heldServer();
    const gatehouse = gatehouseOn(server.fetch, { now: time.now, sleep: time.sleep });
    const soon = outcomes([gatehouse.waitForApproval(idOf(1), { deadline: time.now() + 10_000 })])[0];
    const later = gatehouse.waitForApproval(idOf(2), { deadline: time.now() + 3_600_000 });
    await vi.waitFor(() => expect(server.open()).toHaveLength(1));
    expect(server.waits[0]?.timeoutMs).toBe(10_000);
    time.advance(10_000);
    server.waits[0]?.respond(answer([], [idOf(1), idOf(2)]));
    const error = ((await soon) as { error: unknown }).error;
    expect(error).toBeInstanceOf(ApprovalTimeoutError);
    expect(error).toMatchObject({ approvalId: idOf(1) });
    await vi.waitFor(() => expect(server.open()).toHaveLength(1));
    expect([server.waits[1]?.ids, server.waits[1]?.timeoutMs]).toEqual([[idOf(2)], 25_000]);
    server.waits[1]?.respond(answer([approvedAs(idOf(2))], []));
    await expect(later).resolves.toEqual(approvedAs(idOf(2)).result);
  });

  it("a gate that joins with a sooner deadline than the hold in flight re-issues the wait with the shorter hold", async () => {
    const time = fakeTime();
    const server = heldServer();
    const gatehouse = gatehouseOn(server.fetch, { now: time.now, sleep: time.sleep });
    void gatehouse.waitForApproval(idOf(1)).catch(() => {});
    await vi.waitFor(() => expect(server.open()).toHaveLength(1));
    void gatehouse.waitForApproval(idOf(1), { deadline: time.now() + 2_000 }).catch(() => {});
    await vi.waitFor(() => expect(server.waits).toHaveLength(2));
    expect(server.waits.map((w) => [w.ids, w.timeoutMs])).toEqual([
      [[idOf(1)], 25_000],
      [[idOf(1)], 2_000],
    ]);
    server.open()[0]?.respond(answer([approvedAs(idOf(1))], []));
  });

  it("aborting one gate rejects it alone with APIUserAbortError; aborting the last one cancels the request", async () => {
    const server = heldServer();
    const gatehouse = gatehouseOn(server.fetch);
    const one = new AbortController();
    const two = new AbortController();
    const [first, second] = outcomes([gatehouse.waitForApproval(idOf(1), { signal: one.signal }), gatehouse.waitForApproval(idOf(2), { signal: two.signal })]);
    await vi.waitFor(() => expect(server.open()).toHaveLength(1));
    one.abort();
    expect(((await first) as { error: unknown }).error).toBeInstanceOf(APIUserAbortError);
    expect(server.open()).toHaveLength(1); // the other gate still waits on it
    two.abort();
    expect(((await second) as { error: unknown }).error).toBeInstanceOf(APIUserAbortError);
    expect(server.open()).toHaveLength(0);
  });

  it("an already aborted signal rejects at once, without a request", async () => {
    const server = heldServer();
    const gatehouse = gatehouseOn(server.fetch);
    await expect(gatehouse.waitForApproval(idOf(1), { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(APIUserAbortError);
    expect(server.waits).toHaveLength(0);
  });

  it("while the API is unreachable, every gate is retried in the same request, 250 ms then 500 ms apart", async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const fetch: Fetch = async (_url, init) => {
      calls += 1;
      if (calls <= 4) throw new TypeError("fetch failed");
      const { approvalIds } = JSON.parse(String(init.body)) as { approvalIds: string[] };
      return answer(approvalIds.map(approvedAs), []);
    };
    const gatehouse = gatehouseOn(fetch, { sleep: async (ms) => void sleeps.push(ms) });
    await Promise.all([idOf(1), idOf(2), idOf(3)].map((id) => gatehouse.waitForApproval(id)));
    expect([calls, sleeps]).toEqual([5, [250, 500, 500, 500]]);
  });

  it("an approval answered as still pending does not settle its gate: it waits again", async () => {
    const server = heldServer();
    const gatehouse = gatehouseOn(server.fetch);
    const wait = gatehouse.waitForApproval(idOf(1));
    await vi.waitFor(() => expect(server.open()).toHaveLength(1));
    server.waits[0]?.respond(answer([approvalObject({ id: idOf(1) })], [idOf(1)]));
    await vi.waitFor(() => expect(server.open()).toHaveLength(1));
    expect(server.waits).toHaveLength(2);
    server.waits[1]?.respond(answer([approvedAs(idOf(1))], []));
    await expect(wait).resolves.toEqual(approvedAs(idOf(1)).result);
  });
});
