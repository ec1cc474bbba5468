import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

/**
 * What `npm start` answers on the console's port while the console is built (issue 44, friction 3: the first build
 * takes minutes on a small machine): a page saying so, how long it has taken and the build's last line, which reloads
 * into the console once the console answers. The API is already up meanwhile. Every answer is a 503 with Retry-After,
 * never cached; names other than the console's own get 421, as the console answers them (DNS rebinding).
 */
export interface HoldingPage {
  /** A line of the build's output: the page shows the newest. */
  note(line: string): void;
  /** Stops answering (the console takes the port next). */
  close(): Promise<void>;
}

/** Where the page reads the build's progress. */
export const BUILD_STATUS_PATH = "/__gatehouse/build";

const SCRIPT = `(() => {
  const elapsed = document.getElementById("elapsed");
  const step = document.getElementById("step");
  const tick = async () => {
    try {
      const answer = await fetch("${BUILD_STATUS_PATH}", { cache: "no-store" });
      if (answer.headers.get("x-gatehouse-holding") !== "1") throw new Error("the console answers");
      const status = await answer.json();
      elapsed.textContent = String(status.elapsedSeconds);
      step.textContent = status.lastLine || "starting the build";
    } catch {
      // The console is taking the port: reload once it answers.
      const ready = await fetch("/api/healthz", { cache: "no-store" }).then((r) => r.ok && r.headers.get("x-gatehouse-holding") !== "1", () => false);
      if (ready) return location.reload();
    }
    setTimeout(tick, 2000);
  };
  setTimeout(tick, 2000);
})();`;

const SCRIPT_HASH = createHash("sha256").update(SCRIPT).digest("base64");

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(apiUrl: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gatehouse is starting</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1c1917}code{font-size:.875rem;background:#f5f5f4;padding:.1rem .3rem;border-radius:.25rem;word-break:break-all}p.muted{color:#57534e}</style>
</head><body>
<h1>The console is being built</h1>
<p>This happens on the first start (under a minute to about two minutes on a small machine); later starts reuse the build. This page opens the console by itself when it is ready.</p>
<p role="status">Building for <span id="elapsed">0</span> s: <code id="step">starting the build</code></p>
<p class="muted">The API already answers at <code>${escapeHtml(apiUrl)}</code>: agents and the SDK can start now.</p>
<script>${SCRIPT}</script>
</body></html>
`;
}

export async function serveHoldingPage(options: { host: string; port: number; allowedHosts: readonly string[]; apiUrl: string }): Promise<HoldingPage> {
  const startedAt = Date.now();
  let lastLine = "";
  const allowed = new Set(options.allowedHosts.map((name) => name.toLowerCase()));
  const html = page(options.apiUrl);
  const send = (response: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}) => {
    response.writeHead(status, {
      "content-type": type,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "x-gatehouse-holding": "1",
      "content-security-policy": `default-src 'none'; script-src 'sha256-${SCRIPT_HASH}'; style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`,
      ...extra,
    });
    response.end(body);
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    if (!allowed.has((request.headers.host ?? "").toLowerCase())) return send(response, 421, "text/plain; charset=utf-8", "Misdirected request\n");
    const path = (request.url ?? "/").split("?")[0];
    if (request.method === "GET" && path === BUILD_STATUS_PATH) {
      return send(response, 200, "application/json", JSON.stringify({ building: true, elapsedSeconds: Math.round((Date.now() - startedAt) / 1000), lastLine }));
    }
    const unavailable = { "retry-after": "5" };
    if (request.method === "GET" && !path?.startsWith("/api/")) return send(response, 503, "text/html; charset=utf-8", html, unavailable);
    if (request.method === "HEAD") return send(response, 503, "text/html; charset=utf-8", "", unavailable);
    // A request body is never read: the answer does not depend on it.
    return send(
      response,
      503,
      "application/json",
      JSON.stringify({ error: { code: "UNAVAILABLE", message: "the console is being built (first start); try again in a few seconds" } }),
      unavailable,
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    note: (line) => {
      // Only what the build prints (ANSI colours and the `[build]` prefix left out), bounded.
      const text = line
        .replace(/\u001b\[[0-9;]*m/g, "")
        .replace(/^\[[\w-]+\]\s*/, "")
        .trim();
      if (text) lastLine = text.slice(0, 200);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
