import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll } from "vitest";

/** A request the stand-in received: its path, its JSON body, and the body's bytes as they arrived (UTF-8). */
export interface Received {
  path: string;
  body: Record<string, unknown>;
  raw: string;
}

/** What the stand-in answers: a JSON body with a status, or server-sent events (each an `event:` name, or none, and its data). */
export type Reply = { status: number; json: unknown } | { events: Array<{ event?: string; data: unknown }>; done?: boolean; cut?: boolean };

/**
 * A loopback stand-in for Mistral's API, speaking its wire format: JSON answers and SSE streams (each
 * event's data as JSON on one `data:` line, a blank line after it; a chat stream ends with
 * `data: [DONE]`). It records every request; `answer` says what to reply to each.
 */
export function standIn(): { readonly url: string; received: Received[]; answer: (request: Received) => Reply } {
  const state = {
    url: "",
    received: [] as Received[],
    answer: (_request: Received): Reply => ({ status: 500, json: { error: { message: "no answer scripted", type: "server_error" } } }),
  };
  let server: Server | undefined;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => void (text += chunk));
      req.on("end", () => {
        const request = { path: req.url ?? "", body: JSON.parse(text || "{}") as Record<string, unknown>, raw: text };
        state.received.push(request);
        const reply = state.answer(request);
        if ("json" in reply) {
          res.writeHead(reply.status, { "content-type": "application/json", "x-request-id": `req_${state.received.length}` });
          res.end(JSON.stringify(reply.json));
          return;
        }
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "x-request-id": `req_${state.received.length}` });
        for (const { event, data } of reply.events) res.write(`${event === undefined ? "" : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`);
        // `cut`: the connection breaks mid-stream, as a dropped one does.
        if (reply.cut === true) {
          res.write("\n", () => res.socket?.destroy());
          return;
        }
        if (reply.done === true) res.write("data: [DONE]\n\n");
        res.end();
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });
  return state;
}
