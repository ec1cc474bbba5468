// The webhook benchmark's receiver (bench/webhooks.ts), a process of its own: verifies every message
// with the `standardwebhooks` package, as a receiver would, and records per endpoint path what arrived
// (webhook-id, the entry's seq, the delay from the entry's time to its arrival). GET /stats answers
// them, GET /count only how many; a wrong signature is counted and answered 400.
import { createServer } from "node:http";
import { Webhook } from "standardwebhooks";

const port = Number(process.env.RECEIVER_PORT);
const secrets = JSON.parse(process.env.RECEIVER_SECRETS ?? "{}") as Record<string, string>;
const verifiers = new Map(Object.entries(secrets).map(([path, secret]) => [path, new Webhook(secret)]));
const arrived = new Map<string, Array<{ id: string; seq: number; delayMs: number }>>();
let badSignatures = 0;

createServer((request, response) => {
  const path = (request.url ?? "/").split("?")[0] ?? "/";
  if (request.method === "GET" && path === "/count") {
    // Only how many arrived, for a caller that polls often (the whole /stats grows with every message).
    let count = 0;
    for (const list of arrived.values()) count += list.length;
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ count, badSignatures }));
    return;
  }
  if (request.method === "GET" && path === "/stats") {
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ arrived: Object.fromEntries(arrived), badSignatures }));
    return;
  }
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const verifier = verifiers.get(path);
    let message: { timestamp: string; data: { seq: number } };
    try {
      if (!verifier) throw new Error("no secret for this path");
      message = verifier.verify(body, request.headers as Record<string, string>) as typeof message;
    } catch {
      badSignatures += 1;
      response.writeHead(400).end();
      return;
    }
    const list = arrived.get(path) ?? [];
    arrived.set(path, list);
    list.push({ id: String(request.headers["webhook-id"]), seq: message.data.seq, delayMs: Date.now() - Date.parse(message.timestamp) });
    response.writeHead(204).end();
  });
}).listen(port, "127.0.0.1");
