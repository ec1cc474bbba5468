import { setTimeout as sleep } from "node:timers/promises";

/**
 * Polls `url` until it answers 200. Rejects after `timeoutMs`, or as soon as `abandon` settles
 * (e.g. the process that should answer has exited).
 */
export async function waitForHttp200(options: { url: string; timeoutMs: number; abandon?: Promise<unknown> }): Promise<void> {
  const { url, timeoutMs } = options;
  let abandoned = false;
  void options.abandon?.then(
    () => (abandoned = true),
    () => (abandoned = true),
  );
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (abandoned) throw new Error(`gave up waiting for ${url}: ${last}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await response.body?.cancel();
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`${url} did not answer 200 within ${Math.round(timeoutMs / 1000)} s (last: ${last})`);
}
