import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ACTION_TYPE_PATTERN, gatewayToolName, MCP_NAME_PATTERN, mcpActionType, mcpNameSchema, mcpServerUrlSchema, splitGatewayToolName } from "../src";

// A gateway offers each server's tools as `<server>__<tool>` and decides them as `mcp.<server>.<tool>` (issue 65): a
// client's call must reach exactly the tool it names, whatever two servers call their tools.

const serverName = fc.stringMatching(MCP_NAME_PATTERN);
/** What a server may call a tool: anything, underscores and separators included. */
const toolName = fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/), fc.constantFrom("__", "a__b", "_", "x__"));

describe("a gateway tool's name", () => {
  it("names exactly its server and tool, for every server name and any tool name", () => {
    fc.assert(
      fc.property(serverName, toolName, (server, tool) => {
        expect(splitGatewayToolName(gatewayToolName(server, tool))).toEqual({ server, tool });
      }),
      { numRuns: 500 },
    );
  });

  it("never collides across two servers' tools", () => {
    fc.assert(
      fc.property(serverName, toolName, serverName, toolName, (a, x, b, y) => {
        fc.pre(a !== b || x !== y);
        expect(gatewayToolName(a, x)).not.toBe(gatewayToolName(b, y));
      }),
      { numRuns: 500 },
    );
  });

  it("names no server when it has no separator or no server before it", () => {
    for (const name of ["search", "__search", "Docs__search", "do_cs__search", "-docs__x", "docs__"]) expect(splitGatewayToolName(name)).toBeNull();
  });
});

describe("a gateway tool's action type", () => {
  it("is a valid action type under mcp.<server>., whatever the tool is called", () => {
    fc.assert(
      fc.property(serverName, toolName, (server, tool) => {
        const type = mcpActionType(server, tool);
        expect(type).toMatch(ACTION_TYPE_PATTERN);
        expect(type.startsWith(`mcp.${server}.`)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe("what an admin types", () => {
  it("takes names a policy can name and refuses the rest", () => {
    for (const name of ["github", "a", "docs-2", "x".repeat(32)]) expect(mcpNameSchema.safeParse(name).success).toBe(true);
    for (const name of ["", "GitHub", "git_hub", "-a", "a-", "x".repeat(33), "a b", "a.b"]) expect(mcpNameSchema.safeParse(name).success).toBe(false);
  });

  it("takes an upstream URL without a user name or password", () => {
    expect(mcpServerUrlSchema.safeParse("https://mcp.example.com/mcp").success).toBe(true);
    const withUser = mcpServerUrlSchema.safeParse("https://bot:token@mcp.example.com/mcp");
    expect(withUser.success).toBe(false);
    expect(withUser.error?.issues[0]?.message).toContain("credential");
    for (const url of ["ftp://mcp.example.com/", "mcp.example.com", "https://mcp.example.com/#x"]) expect(mcpServerUrlSchema.safeParse(url).success).toBe(false);
  });
});
