import { createHash } from "node:crypto";
import { request as httpRequest } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { BUILD_STATUS_PATH, serveHoldingPage, type HoldingPage } from "../lib/holding-page.ts";
import { freePort, isPortFree } from "../lib/ports.ts";

// What `npm start` answers on the console's port while the console is built (scripts/lib/holding-page.ts).

let holding: HoldingPage | undefined;
afterEach(async () => {
  await holding?.close();
  holding = undefined;
});

async function serve(): Promise<{ url: string; port: number }> {
  const port = await freePort();
  holding = await serveHoldingPage({ host: "127.0.0.1", port, allowedHosts: [`localhost:${port}`, `127.0.0.1:${port}`], apiUrl: "http://localhost:4000" });
  return { url: `http://localhost:${port}`, port };
}

function withHost(port: number, path: string, host: string, method = "GET"): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, method, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the console's holding page", () => {
  it("answers every page with a 503 that says the console is being built, is never cached and runs only its own script", async () => {
    const { url } = await serve();
    for (const path of ["/", "/signin", "/o/demo/approvals?x=1"]) {
      const answer = await fetch(`${url}${path}`);
      expect([answer.status, answer.headers.get("retry-after"), answer.headers.get("cache-control")]).toEqual([503, "5", "no-store"]);
      const html = await answer.text();
      expect(html).toContain("The console is being built");
      expect(html).toContain("http://localhost:4000");
      const script = /<script>([\s\S]*)<\/script>/.exec(html)?.[1] ?? "";
      const hash = createHash("sha256").update(script).digest("base64");
      expect(answer.headers.get("content-security-policy")).toContain(`script-src 'sha256-${hash}'`);
      expect(answer.headers.get("content-security-policy")).toContain("default-src 'none'");
    }
  });

  it("follows the build: the elapsed time and the build's newest line, without its colours or prefix", async () => {
    const { url } = await serve();
    holding?.note("[build] \u001b[32m✓\u001b[39m Compiled successfully in 2.6min");
    holding?.note("[build] ");
    const status = (await (await fetch(`${url}${BUILD_STATUS_PATH}`)).json()) as { building: boolean; elapsedSeconds: number; lastLine: string };
    expect(status).toEqual({ building: true, elapsedSeconds: expect.any(Number), lastLine: "✓ Compiled successfully in 2.6min" });
  });

  it("answers the console's API paths and writes with a 503 error envelope, reading no body", async () => {
    const { url } = await serve();
    const health = await fetch(`${url}/api/healthz`);
    expect(health.status).toBe(503);
    const write = await fetch(`${url}/api/orgs/demo/members`, { method: "POST", body: "x".repeat(10_000) });
    expect([write.status, ((await write.json()) as { error: { code: string } }).error.code]).toEqual([503, "UNAVAILABLE"]);
  });

  it("answers another name (DNS rebinding) with a 421, as the console does", async () => {
    const { port } = await serve();
    expect(await withHost(port, "/", `rebind.example:${port}`)).toBe(421);
    expect(await withHost(port, BUILD_STATUS_PATH, `rebind.example:${port}`)).toBe(421);
    expect(await withHost(port, "/", `localhost:${port}`)).toBe(503);
  });

  it("gives the port back when closed, for the console", async () => {
    const { port } = await serve();
    await holding?.close();
    holding = undefined;
    expect(await isPortFree(port, "127.0.0.1")).toBe(true);
  });
});
