// Floor for the chosen framework: a bare Fastify server (the version apps/api runs, no hooks, no logger)
// that parses a JSON body and echoes it back, as bench/echo-server.ts does with node:http. The distance
// between the two is what any Fastify route pays before it does its own work.
import Fastify from "fastify";

const port = Number(process.argv[2] ?? 4901);
const app = Fastify({ logger: false });
// GET too, so that the readiness check (a GET) is answered.
app.route({ method: ["GET", "POST"], url: "/", handler: async (request) => ({ ok: true, body: request.body ?? {} }) });
await app.listen({ port, host: "127.0.0.1" });
