import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

/**
 * Each process serves its metrics on a port of its own (docs/metrics.md, ADR 0041), never on the port that serves
 * agents or people: a reverse proxy, a load balancer or an ingress that publishes the API or the console does not
 * publish /metrics with it. The port listens on loopback unless METRICS_HOST says otherwise; with METRICS_TOKEN set,
 * a scrape must also carry `Authorization: Bearer <token>`.
 */

export interface MetricsServerOptions {
  registry: Registry;
  port: number;
  host: string;
  /** A scrape must carry `Authorization: Bearer <token>`; unset: none is asked. */
  token?: string | undefined;
  /**
   * Health paths served beside /metrics (the worker's /livez, /readyz, /healthz), never behind the token: probes carry
   * none. Each answers 200 when `ok`, else 503, with the object as JSON.
   */
  probes?: Readonly<Record<string, Probe>>;
}

/** A health path's answer: `ok` decides 200 or 503; the object is the body. */
export type Probe = () => Promise<{ ok: boolean } & Record<string, unknown>>;

export interface MetricsServer {
  /** Where the metrics are: http://host:port/metrics. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const digest = (text: string) => createHash("sha256").update(text).digest();

/** Whether an Authorization header carries the token, compared in constant time (the digests have one length). */
function bears(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? "");
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected);
}

function answer(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...headers });
  response.end(body);
}

/**
 * Starts the metrics listener: GET /metrics answers the registry in the Prometheus text format; each of `probes`' paths
 * its answer; anything else is a 404 (a 405 for another method on those paths). A registry that cannot be collected is
 * a 500, a probe that throws a 503, and the process goes on.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const expected = options.token === undefined ? null : digest(options.token);
  const probes = options.probes ?? {};
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? "").split("?")[0] ?? "";
    const probe = Object.hasOwn(probes, path) ? probes[path] : undefined;
    if (path !== "/metrics" && !probe) return answer(response, 404, "not found\n");
    if (request.method !== "GET" && request.method !== "HEAD") return answer(response, 405, "method not allowed\n", { allow: "GET, HEAD" });
    if (probe) {
      const health = await probe().catch(() => ({ ok: false }));
      response.writeHead(health.ok ? 200 : 503, { "content-type": "application/json", "cache-control": "no-store" });
      response.end(JSON.stringify(health));
      return;
    }
    if (expected && !bears(request.headers.authorization, expected)) {
      return answer(response, 401, "a bearer token is required (METRICS_TOKEN)\n", { "www-authenticate": 'Bearer realm="gatehouse-metrics"' });
    }
    let text: string;
    try {
      text = await options.registry.metrics();
    } catch {
      return answer(response, 500, "metrics could not be collected\n");
    }
    response.writeHead(200, { "content-type": options.registry.contentType, "cache-control": "no-store" });
    response.end(request.method === "HEAD" ? undefined : text);
  };
  // Checked every second, so a client that dawdles over its headers is cut off near headersTimeout (not at Node's 30 s check).
  const server = createServer({ connectionsCheckingInterval: 1_000 }, (request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) answer(response, 500, "error\n");
      else response.destroy();
    });
  });
  // A scrape is one small GET.
  server.headersTimeout = 5_000;
  server.requestTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}/metrics`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
