import { MAX_SERVERS_PER_GATEWAY, MCP_ON_CHANGE, mcpNameSchema, mcpServerUrlSchema } from "@gatehouse/core";
import { z } from "zod";
import { idOf, named, safeString } from "./common";

// The hosted MCP gateway (docs/integrations/mcp.md): the org's MCP servers (credentials sealed, never shown) and its gateways.

export const mcpServerIdParams = z.object({ id: idOf("mcpServer") });
export const mcpGatewayIdParams = z.object({ id: idOf("mcpGateway") });

const credential = z
  .string()
  .min(1)
  .max(4_096)
  .regex(/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/, "must be one header value: printable ASCII, no line breaks, no leading or trailing space")
  .describe(
    "The `Authorization` header value the gateway sends upstream (`Bearer …`, `Basic …`): sealed in the org's vault, never shown again, never sent to agents. Without it the gateway sends no `Authorization` header.",
  );

export const createMcpServerBodySchema = named(
  "CreateMcpServerRequest",
  z.strictObject({
    name: mcpNameSchema.describe("Its tools' namespace: `<name>__<tool>` at a gateway, `mcp.<name>.<tool>` as an action type. Unique in the org."),
    url: mcpServerUrlSchema.describe(
      "Its Streamable HTTP endpoint: http(s), no user name or password. Private, loopback and link-local addresses are refused, also after DNS resolution (unless the instance sets GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE=1).",
    ),
    description: safeString().max(200).optional(),
    credential: credential.optional(),
  }),
  "An MCP server for the org's gateways.",
);

export const updateMcpServerBodySchema = named(
  "UpdateMcpServerRequest",
  z.strictObject({
    url: mcpServerUrlSchema.optional(),
    description: safeString().max(200).optional(),
    credential: credential.nullable().optional().describe("A new credential; `null` removes it."),
  }),
  "What to change; the rest stays. A server's name cannot change: policies name its tools by it.",
);

export const mcpServerSchema = named(
  "McpServer",
  z.object({
    id: z.string(),
    name: z.string(),
    url: z.string(),
    description: z.string(),
    hasCredential: z.boolean().describe("Whether a credential is sealed for it (the credential itself is never shown)."),
    catalogDigest: z.string().nullable().describe("The digest of its pinned tool catalogue, once a gateway listed its tools."),
    catalogPinnedAt: z.string().nullable(),
    tools: z.number().int().describe("Tools pinned."),
    changedTools: z.number().int().describe("Tools whose definition changed since it was pinned, waiting for an admin."),
    gateways: z.array(z.string()).describe("The gateways serving it, by name."),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
  "An MCP server of the org's.",
);

export const mcpServerListSchema = named("McpServerList", z.object({ servers: z.array(mcpServerSchema) }), "The org's MCP servers, by name.");

const gatewayServers = z
  .array(mcpNameSchema)
  .max(MAX_SERVERS_PER_GATEWAY)
  .describe(`The servers it serves, by name (at most ${MAX_SERVERS_PER_GATEWAY}). Each must be registered.`);
const onChange = z
  .enum(MCP_ON_CHANGE)
  .describe(
    "What a tool whose definition changed becomes until an admin accepts the change: `hide` (default) drops it from `tools/list`; `require_approval` lists it and holds its calls for a person.",
  );

export const createMcpGatewayBodySchema = named(
  "CreateMcpGatewayRequest",
  z.strictObject({
    name: mcpNameSchema.describe("Its path: `/mcp/<org slug>/<name>`. Unique in the org."),
    servers: gatewayServers,
    description: safeString().max(200).optional(),
    onChange: onChange.optional(),
  }),
  "A gateway: one MCP endpoint in front of a set of the org's servers.",
);

export const updateMcpGatewayBodySchema = named(
  "UpdateMcpGatewayRequest",
  z.strictObject({ servers: gatewayServers.optional(), description: safeString().max(200).optional(), onChange: onChange.optional() }),
  "What to change; the rest stays. A gateway's name cannot change: its clients are configured with its URL.",
);

export const mcpGatewaySchema = named(
  "McpGateway",
  z.object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    path: z.string().describe("Where MCP clients connect, on the API's origin: `/mcp/<org slug>/<name>`."),
    servers: z.array(z.string()),
    onChange: z.enum(MCP_ON_CHANGE),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
  "An MCP gateway of the org's.",
);

export const mcpGatewayListSchema = named("McpGatewayList", z.object({ gateways: z.array(mcpGatewaySchema) }), "The org's MCP gateways, by name.");

export const mcpToolPinSchema = named(
  "McpToolPin",
  z.object({
    name: z.string().describe("The tool's name on its server (at a gateway: `<server>__<name>`)."),
    digest: z.string().describe("The digest of the definition accepted (for a tool new since the first list and not accepted yet: of its new definition)."),
    definition: z.record(z.string(), z.unknown()).describe("The accepted definition: title, description, inputSchema, outputSchema, annotations (those it has)."),
    pinnedAt: z.string(),
    pending: z
      .object({
        digest: z.string(),
        definition: z.record(z.string(), z.unknown()),
        fields: z.array(z.string()).describe('The fields that differ from the accepted definition; `["added"]` for a tool new since the first list.'),
        changedAt: z.string().nullable(),
      })
      .nullable()
      .describe("A definition the server lists now that nobody accepted yet: gateways hold the tool until an admin accepts it."),
  }),
  "One tool of an MCP server as pinned, and a change waiting for an admin.",
);

export const mcpToolPinListSchema = named("McpToolPinList", z.object({ tools: z.array(mcpToolPinSchema) }), "A server's pinned tools, by name.");

export const acceptMcpToolBodySchema = named(
  "AcceptMcpToolRequest",
  z.strictObject({
    tool: z.string().min(1).max(200).describe("The tool's name on its server."),
    digest: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex characters")
      .describe("The pending definition's digest, as reviewed: a definition that changed again since is a 409, to be reviewed anew."),
  }),
  "The changed definition accepted, named by its digest.",
);

export type McpToolPinView = z.output<typeof mcpToolPinSchema>;
export type AcceptMcpToolBody = z.output<typeof acceptMcpToolBodySchema>;
export type CreateMcpServerBody = z.output<typeof createMcpServerBodySchema>;
export type UpdateMcpServerBody = z.output<typeof updateMcpServerBodySchema>;
export type McpServerView = z.output<typeof mcpServerSchema>;
export type CreateMcpGatewayBody = z.output<typeof createMcpGatewayBodySchema>;
export type UpdateMcpGatewayBody = z.output<typeof updateMcpGatewayBodySchema>;
export type McpGatewayView = z.output<typeof mcpGatewaySchema>;
