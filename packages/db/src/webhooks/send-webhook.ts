import { postGuarded, type SendOptions, type SendResult } from "../infra/outbound";

/**
 * One POST of one signed message to a webhook receiver, through the SSRF-guarded POST of
 * ../infra/outbound.ts (docs/webhooks.md): private, loopback and link-local destinations refused
 * unless the instance allows them, checked where the socket connects; redirects never followed.
 */
export { allowPrivateWebhooks, refusedDestination, type Resolve, type SendOptions, type SendResult } from "../infra/outbound";

/** Sends `body` with `headers` to `url`; never throws (a failure is answered). */
export async function sendWebhook(url: string, headers: Record<string, string>, body: string, options: SendOptions = {}): Promise<SendResult> {
  const { ok, status, error, durationMs } = await postGuarded(url, { headers, body, contentType: "application/json", userAgent: "Gatehouse-Webhooks/1" }, options);
  return { ok, status, error, durationMs };
}
