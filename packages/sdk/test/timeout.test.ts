import { describe, expect, it } from "vitest";
import { Gatehouse } from "../src/client.ts";
import { APITimeoutError, APIUserAbortError } from "../src/errors.ts";
import { API_KEY, apiError, client, executed, hang, json, rejection, scriptedFetch } from "./helpers.ts";

describe("timeouts and aborts", () => {
  it("throws an APITimeoutError when an attempt outlasts the timeout", async () => {
    const { gatehouse } = client([hang], { timeout: 5, maxRetries: 0 });
    await expect(gatehouse.execute("pr.merge")).rejects.toBeInstanceOf(APITimeoutError);
  });

  it("retries after a timeout", async () => {
    const { gatehouse, calls } = client([hang, json(200, executed)], { timeout: 5 });
    await gatehouse.execute("pr.merge");
    expect(calls).toHaveLength(2);
  });

  it("times out a response whose body never finishes", async () => {
    const stalledBody = (_url: string, init: RequestInit): Promise<Response> => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          init.signal?.addEventListener("abort", () => controller.error(new DOMException("aborted", "AbortError")));
        },
      });
      return Promise.resolve(new Response(body, { status: 200 }));
    };
    const { gatehouse } = client([stalledBody], { timeout: 5, maxRetries: 0 });
    await expect(gatehouse.execute("pr.merge")).rejects.toBeInstanceOf(APITimeoutError);
  });

  it("throws an APIUserAbortError, without retrying, when the caller aborts", async () => {
    const controller = new AbortController();
    const { gatehouse, calls, sleeps } = client([
      (url, init) => {
        queueMicrotask(() => controller.abort());
        return hang(url, init);
      },
      json(200, executed),
    ]);
    const error = await rejection(gatehouse.execute("pr.merge", { signal: controller.signal }));
    expect([error instanceof APIUserAbortError, calls.length, sleeps.length]).toEqual([true, 1, 0]);
  });

  it("does not call fetch when the signal is already aborted", async () => {
    const { gatehouse, calls } = client([json(200, executed)]);
    await rejection(gatehouse.execute("pr.merge", { signal: AbortSignal.abort() }));
    expect(calls).toHaveLength(0);
  });

  it("stops waiting between retries when the caller aborts", async () => {
    const controller = new AbortController();
    const { fetch } = scriptedFetch([
      () => {
        setTimeout(() => controller.abort(), 1);
        return Promise.resolve(apiError(503, "UNAVAILABLE", { "retry-after": "60" }));
      },
      json(200, executed),
    ]);
    const gatehouse = new Gatehouse({ apiKey: API_KEY, fetch, heartbeat: false });
    const error = await rejection(gatehouse.execute("pr.merge", { signal: controller.signal }));
    expect(error).toBeInstanceOf(APIUserAbortError);
  }, 2_000);

  it("does not wait between retries when the caller aborted during the attempt", async () => {
    const controller = new AbortController();
    const { fetch } = scriptedFetch([
      () => {
        controller.abort();
        return Promise.resolve(apiError(503, "UNAVAILABLE", { "retry-after": "60" }));
      },
      json(200, executed),
    ]);
    const gatehouse = new Gatehouse({ apiKey: API_KEY, fetch, heartbeat: false });
    const error = await rejection(gatehouse.execute("pr.merge", { signal: controller.signal }));
    expect(error).toBeInstanceOf(APIUserAbortError);
  }, 2_000);
});
