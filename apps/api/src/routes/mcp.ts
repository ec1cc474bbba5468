import { routeOf } from "@gatehouse/contracts";
import {
  acceptMcpTool,
  createMcpGateway,
  createMcpServer,
  deleteMcpGateway,
  deleteMcpServer,
  getMcpGateway,
  getMcpServer,
  listMcpGateways,
  listMcpServers,
  listMcpServerTools,
  updateMcpGateway,
  updateMcpServer,
} from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { ctxOf } from "../auth";
import { fromContract, type ZodTypeProvider } from "../contract";

/** The org's MCP servers and gateways (docs/integrations/mcp.md); `integrations.manage` decides who may. */
export async function mcpAdminRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.route({ ...fromContract(routeOf("listMcpServers")), handler: async (request) => listMcpServers({ ctx: ctxOf(request) }) });
  api.route({
    ...fromContract(routeOf("createMcpServer")),
    handler: async (request, reply) => reply.status(201).send(await createMcpServer({ ctx: ctxOf(request), input: request.body })),
  });
  api.route({ ...fromContract(routeOf("getMcpServer")), handler: async (request) => getMcpServer({ ctx: ctxOf(request), input: { id: request.params.id } }) });
  api.route({
    ...fromContract(routeOf("updateMcpServer")),
    handler: async (request) => updateMcpServer({ ctx: ctxOf(request), input: { id: request.params.id, body: request.body } }),
  });
  api.route({ ...fromContract(routeOf("deleteMcpServer")), handler: async (request) => deleteMcpServer({ ctx: ctxOf(request), input: { id: request.params.id } }) });

  api.route({
    ...fromContract(routeOf("listMcpServerTools")),
    handler: async (request) => listMcpServerTools({ ctx: ctxOf(request), input: { id: request.params.id } }),
  });
  api.route({
    ...fromContract(routeOf("acceptMcpTool")),
    handler: async (request) => acceptMcpTool({ ctx: ctxOf(request), input: { id: request.params.id, body: request.body } }),
  });

  api.route({ ...fromContract(routeOf("listMcpGateways")), handler: async (request) => listMcpGateways({ ctx: ctxOf(request) }) });
  api.route({
    ...fromContract(routeOf("createMcpGateway")),
    handler: async (request, reply) => reply.status(201).send(await createMcpGateway({ ctx: ctxOf(request), input: request.body })),
  });
  api.route({ ...fromContract(routeOf("getMcpGateway")), handler: async (request) => getMcpGateway({ ctx: ctxOf(request), input: { id: request.params.id } }) });
  api.route({
    ...fromContract(routeOf("updateMcpGateway")),
    handler: async (request) => updateMcpGateway({ ctx: ctxOf(request), input: { id: request.params.id, body: request.body } }),
  });
  api.route({ ...fromContract(routeOf("deleteMcpGateway")), handler: async (request) => deleteMcpGateway({ ctx: ctxOf(request), input: { id: request.params.id } }) });
}
