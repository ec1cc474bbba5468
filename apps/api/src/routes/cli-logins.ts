import { routeOf } from "@gatehouse/contracts";
import { collectCliLogin, startCliLogin } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { fromContract, type ZodTypeProvider } from "../contract";

/**
 * Signing the CLI in from the console (`gatehouse login --web`; packages/db/src/keys/cli-logins.ts): the CLI asks for a
 * login and polls it; a member confirms it in the console. Public: the CLI has no key yet. What the poll answers is
 * never cached by anything in between.
 */
export async function cliLoginRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.route({
    ...fromContract(routeOf("startCliLogin")),
    handler: async (request, reply) => {
      const { client, deviceName } = request.body;
      const userAgent = request.headers["user-agent"] ?? null;
      const started = await startCliLogin({ client, deviceName: deviceName ?? null, address: request.clientAddress, userAgent });
      return reply.status(201).header("cache-control", "no-store").send(started);
    },
  });
  api.route({
    ...fromContract(routeOf("collectCliLogin")),
    handler: async (request, reply) => reply.header("cache-control", "no-store").send(await collectCliLogin({ pollToken: request.body.pollToken })),
  });
}
