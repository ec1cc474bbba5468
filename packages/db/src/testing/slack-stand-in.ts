import { createHmac, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback stand-in for Slack's Web API, speaking its wire format (form-encoded or JSON requests to
 * /api/<method>, `{ ok, … }` answers), for tests that drive the official `@slack/web-api` client
 * against it: auth.test, chat.postMessage, chat.update, chat.postEphemeral and users.info. It records
 * every call, and signs interaction payloads the way Slack does (`slackClick`).
 */
export interface SlackCall {
  method: string;
  token: string | null;
  args: Record<string, unknown>;
}

export interface SlackStandIn {
  /** The Web API's base (GATEHOUSE_SLACK_API_URL). */
  url: string;
  botToken: string;
  signingSecret: string;
  calls: SlackCall[];
  /** Slack users by id: their profile email (Slack confirms it), or a bot. */
  users: Map<string, { email?: string; isBot?: boolean }>;
  /** A Block Actions request as Slack sends it to the interactions URL, signed with `secret` (the app's, unless a test forges one) at `timestamp`. */
  click(args: { approvalId: string; action: "approve" | "deny"; user: string; channel?: string; ts?: string; secret?: string; timestamp?: number }): {
    body: string;
    headers: Record<string, string>;
  };
  close(): Promise<void>;
}

export async function startSlackStandIn(): Promise<SlackStandIn> {
  const botToken = `xoxb-${randomBytes(12).toString("hex")}`;
  const signingSecret = randomBytes(16).toString("hex");
  const calls: SlackCall[] = [];
  const users = new Map<string, { email?: string; isBot?: boolean }>();
  let messages = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const method = (request.url ?? "").replace(/^\/api\//, "").split("?")[0] ?? "";
      const text = Buffer.concat(chunks).toString("utf8");
      let args: Record<string, unknown> = {};
      if (String(request.headers["content-type"]).includes("json")) args = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      else
        for (const [key, value] of new URLSearchParams(text)) {
          try {
            args[key] = key === "blocks" || key === "attachments" ? JSON.parse(value) : value;
          } catch {
            args[key] = value;
          }
        }
      const auth = String(request.headers.authorization ?? "");
      const token = auth.startsWith("Bearer ") ? auth.slice(7) : typeof args.token === "string" ? args.token : null;
      calls.push({ method, token, args });
      const send = (body: object) => response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (token !== botToken) return send({ ok: false, error: "invalid_auth" });
      switch (method) {
        case "auth.test":
          return send({ ok: true, team_id: "T0GATEHOUSE", team: "Gatehouse Test", user_id: "U0GATEBOT", bot_id: "B0GATEBOT" });
        case "chat.postMessage":
          messages += 1;
          return send({ ok: true, channel: args.channel, ts: `${Math.floor(Date.now() / 1000)}.${String(messages).padStart(6, "0")}` });
        case "chat.update":
          return send({ ok: true, channel: args.channel, ts: args.ts });
        case "chat.postEphemeral":
          return send({ ok: true, message_ts: `${Math.floor(Date.now() / 1000)}.000000` });
        case "users.info": {
          const user = users.get(String(args.user));
          if (!user) return send({ ok: false, error: "user_not_found" });
          return send({ ok: true, user: { id: args.user, is_bot: user.isBot === true, profile: user.email ? { email: user.email } : {} } });
        }
        default:
          return send({ ok: false, error: "unknown_method" });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    botToken,
    signingSecret,
    calls,
    users,
    click({ approvalId, action, user, channel = "C0APPROVALS", ts = "1.000001", secret = signingSecret, timestamp = Math.floor(Date.now() / 1000) }) {
      const payload = {
        type: "block_actions",
        user: { id: user },
        channel: { id: channel },
        message: { ts },
        actions: [{ action_id: action, block_id: "gatehouse_approval", value: approvalId, type: "button" }],
      };
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      const signature = `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`, "utf8").digest("hex")}`;
      return { body, headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": String(timestamp), "x-slack-signature": signature } };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
