-- The hosted MCP gateway (issue 65, docs/adr/0052-hosted-mcp-gateway.md, docs/integrations/mcp.md): the org's MCP
-- servers (Streamable HTTP upstreams; a credential sealed in the org's vault, never shown), its gateways (a named set
-- of servers served at /mcp/<org slug>/<gateway>), each server's pinned tool definitions, and the gateway's sessions,
-- kept here rather than in one process's memory so any API instance answers any session.
CREATE TABLE "mcp_servers" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "credential_enc" TEXT,
    "catalog_digest" TEXT,
    "catalog_pinned_at" TIMESTAMPTZ(3),
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mcp_servers_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "mcp_servers_org_id_name_key" ON "mcp_servers"("org_id", "name");
ALTER TABLE "mcp_servers" ADD CONSTRAINT "mcp_servers_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "mcp_gateways" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "on_change" TEXT NOT NULL DEFAULT 'hide',
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mcp_gateways_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "mcp_gateways_on_change_check" CHECK ("on_change" IN ('hide', 'require_approval'))
);
CREATE UNIQUE INDEX "mcp_gateways_org_id_name_key" ON "mcp_gateways"("org_id", "name");
ALTER TABLE "mcp_gateways" ADD CONSTRAINT "mcp_gateways_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Which servers a gateway serves: deleting a server takes it out of every gateway.
CREATE TABLE "mcp_gateway_servers" (
    "gateway_id" TEXT NOT NULL,
    "server_id" TEXT NOT NULL,

    CONSTRAINT "mcp_gateway_servers_pkey" PRIMARY KEY ("gateway_id", "server_id")
);
CREATE INDEX "mcp_gateway_servers_server_id_idx" ON "mcp_gateway_servers"("server_id");
ALTER TABLE "mcp_gateway_servers" ADD CONSTRAINT "mcp_gateway_servers_gateway_id_fkey" FOREIGN KEY ("gateway_id") REFERENCES "mcp_gateways"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "mcp_gateway_servers" ADD CONSTRAINT "mcp_gateway_servers_server_id_fkey" FOREIGN KEY ("server_id") REFERENCES "mcp_servers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A server's tools as first seen (core's pinTool): the definition the model may read, and a changed one waiting
-- for a person (`pending_*`) while the tool is hidden or held.
CREATE TABLE "mcp_tool_pins" (
    "server_id" TEXT NOT NULL,
    "tool" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "digest" TEXT NOT NULL,
    "definition" JSONB NOT NULL,
    "pending_digest" TEXT,
    "pending_definition" JSONB,
    "pending_fields" TEXT[],
    "pinned_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "changed_at" TIMESTAMPTZ(3),

    CONSTRAINT "mcp_tool_pins_pkey" PRIMARY KEY ("server_id", "tool")
);
ALTER TABLE "mcp_tool_pins" ADD CONSTRAINT "mcp_tool_pins_server_id_fkey" FOREIGN KEY ("server_id") REFERENCES "mcp_servers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A client's session with a gateway (its Mcp-Session-Id), the agent it acts as, and the upstream sessions opened for it.
CREATE TABLE "mcp_sessions" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "gateway_id" TEXT NOT NULL,
    "agent_id" TEXT NOT NULL,
    "protocol_version" TEXT NOT NULL,
    "client_name" TEXT,
    "upstream" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mcp_sessions_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "mcp_sessions_gateway_id_last_seen_at_idx" ON "mcp_sessions"("gateway_id", "last_seen_at");
ALTER TABLE "mcp_sessions" ADD CONSTRAINT "mcp_sessions_gateway_id_fkey" FOREIGN KEY ("gateway_id") REFERENCES "mcp_gateways"("id") ON DELETE CASCADE ON UPDATE CASCADE;
