// The console's server (`npm run web`, the image's CMD, `npm start` through it): Next.js behind a
// node:http server of its own, so that every request's client address comes from the socket, or from
// a proxy named in GATEHOUSE_TRUSTED_PROXIES, never from a header a client wrote (docs/adr/0017).
// `--dev` serves the development build (`npm run dev -w @gatehouse/web`).
import { existsSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import next from "next";
import { isLoopbackListen, metricsRegistry, startMetricsServer, type MetricsServer } from "@gatehouse/db/metrics";
import { consoleListener } from "./src/server/console-http";
import { consoleServerEnv } from "./src/env";

const dev = process.argv.includes("--dev");
let settings;
try {
  settings = consoleServerEnv();
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
const { WEB_HOST: hostname, WEB_PORT: port, GATEHOUSE_TRUSTED_PROXIES: trusted, metrics: metricsAt } = settings;

const dir = fileURLToPath(new URL(".", import.meta.url));
// The pages a server cached while it ran (.next/server/route-cache) belong to the build it ran. A build
// restored over this one (turbo's cache, after a change was undone or a branch switched back) keeps
// the files the restore does not name, and a stale page would carry another build's server-action ids:
// its forms would answer "Failed to find Server Action". Each start begins with none; the build's
// prerendered pages are where they come from. Its contents, not the folder: on Kubernetes the folder is a
// volume of its own over a read-only root (docs/kubernetes.md), which cannot be removed.
const routeCache = join(dir, ".next", "server", "route-cache");
if (!dev && existsSync(routeCache)) for (const entry of readdirSync(routeCache)) rmSync(join(routeCache, entry), { recursive: true, force: true });
const app = next({ dev, dir, hostname: hostname ?? "localhost", port });
await app.prepare();
const server = createServer(consoleListener(app.getRequestHandler(), trusted));
const upgrade = app.getUpgradeHandler();
server.on("upgrade", (request, socket, head) => void upgrade(request, socket, head));
server.listen(port, hostname, () => {
  process.stdout.write(`▲ Gatehouse console on http://${hostname ?? "localhost"}:${port}${trusted.entries.length ? ` (trusted proxies: ${trusted.entries.join(", ")})` : ""}\n`);
});
// The console's own metrics (docs/metrics.md) on a port of their own, never the one people's browsers reach: only
// with WEB_METRICS_PORT. What the pages record reaches this registry through globalThis (@gatehouse/db/metrics).
let metrics: MetricsServer | null = null;
if (metricsAt.port !== undefined) {
  metrics = await startMetricsServer({ registry: metricsRegistry("console"), port: metricsAt.port, host: metricsAt.host, token: metricsAt.token });
  const open = metricsAt.token === undefined && !isLoopbackListen(metricsAt.host);
  process.stdout.write(`▲ Console metrics on ${metrics.url}${open ? " (no METRICS_TOKEN: anyone who reaches this port may read them)" : ""}\n`);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void metrics?.close();
    server.close();
    void app.close().finally(() => process.exit(0));
    server.closeAllConnections();
  });
}
