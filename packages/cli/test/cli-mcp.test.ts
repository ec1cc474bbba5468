import { describe, expect, it } from "vitest";
import { EXIT_USAGE } from "../src/cli.ts";
import { API_KEY, runCli } from "./helpers.ts";

const AS_AGENT = { env: { GATEHOUSE_API_KEY: API_KEY, GATEHOUSE_BASE_URL: "https://gh.example.com" } };

describe("gatehouse mcp-proxy and mcp-server refuse a wrong command line before starting anything", () => {
  it.each<[string, string[], string, typeof AS_AGENT | undefined]>([
    ["no server behind the proxy", ["mcp-proxy"], "name the server behind the proxy: gatehouse mcp-proxy -- <command> [<arg>…], or --upstream-url <url>", AS_AGENT],
    [
      "a command and a URL",
      ["mcp-proxy", "--upstream-url", "http://127.0.0.1:9/mcp", "--", "node", "s.js"],
      'give the server behind the proxy as a command or as --upstream-url, not both (unexpected "node")',
      AS_AGENT,
    ],
    ["a URL that is not http", ["mcp-proxy", "--upstream-url", "file:///tmp/s"], "--upstream-url must be an http:// or https:// URL", AS_AGENT],
    ["a wait that is not whole seconds", ["mcp-proxy", "--wait-seconds", "1.5", "--", "node", "s.js"], "--wait-seconds must be a whole number of seconds from 0 to 3600", AS_AGENT],
    ["a wait over an hour", ["mcp-server", "--wait-seconds", "3601"], "--wait-seconds must be a whole number of seconds from 0 to 3600", AS_AGENT],
    ["a port without --http", ["mcp-proxy", "--port", "8080", "--", "node", "s.js"], "--port is the port of --http: add --http", AS_AGENT],
    ["a port out of range", ["mcp-proxy", "--http", "--port", "70000", "--", "node", "s.js"], "--port must be a port number from 0 to 65535", AS_AGENT],
    ["an org admin key to the proxy", ["mcp-proxy", "--", "node", "s.js"], "mcp-proxy acts as an agent: pass the agent's key (gh_…), not an org admin key", undefined],
    ["an org admin key to the server", ["mcp-server"], "mcp-server acts as an agent: pass the agent's key (gh_…), not an org admin key", undefined],
    ["an argument to the server", ["mcp-server", "extra"], 'unexpected argument "extra"', AS_AGENT],
  ])("%s: exit 2, nothing on stdout (the MCP channel), no call", async (_case, argv, message, world) => {
    const run = await runCli(argv, [], world);
    expect([run.code, run.stdout, run.stderr, run.calls.length]).toEqual([EXIT_USAGE, "", `error: ${message}\nRun gatehouse --help for usage.\n`, 0]);
  });

  it("takes the server's own options after --, not as its own", async () => {
    const run = await runCli(["mcp-proxy", "--upstream-url", "http://127.0.0.1:9/mcp", "--", "--port", "1"], [], AS_AGENT);
    expect(run.stderr).toContain('not both (unexpected "--port")');
  });
});
