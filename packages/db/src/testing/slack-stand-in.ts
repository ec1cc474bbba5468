import { createHmac, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback stand-in for Slack's Web API, speaking its wire format (form-encoded or JSON requests to
 * /api/<method>, `{ ok, … }` answers), for tests that drive the official `@slack/web-api` client
 * against it: auth.test, chat.postMessage, chat.update, chat.postEphemeral and users.info. It records
 * every call and every message posted, and signs requests to the app's URLs the way Slack does: clicks
 * (`click`) and Events API requests (`event`, `urlVerification`).
 */
export interface SlackCall {
  method: string;
  token: string | null;
  args: Record<string, unknown>;
}

/** A Slack user as `users.info` describes them. Unset flags are false; `team` is the stand-in's workspace unless set. */
export interface SlackStandInUser {
  email?: string;
  isBot?: boolean;
  /** The user's workspace (`team_id`): another one is an external (Slack Connect) person. */
  team?: string;
  /** A guest (multi-channel). */
  restricted?: boolean;
  /** A single-channel guest. */
  ultraRestricted?: boolean;
  /** Slack Connect: a person from another organization. */
  stranger?: boolean;
  deleted?: boolean;
  appUser?: boolean;
}

/** A request as Slack sends it to one of the app's URLs: the exact body and its signed headers. */
export interface SlackRequest {
  body: string;
  headers: Record<string, string>;
}

export interface SlackStandIn {
  /** The Web API's base (GATEHOUSE_SLACK_API_URL). */
  url: string;
  botToken: string;
  signingSecret: string;
  /** The workspace the app is installed in (auth.test's `team_id`). */
  teamId: string;
  calls: SlackCall[];
  /** Slack users by id. */
  users: Map<string, SlackStandInUser>;
  /** Messages the app posted: their channel, ts, and the Gatehouse approval whose buttons they carry. */
  posted: Array<{ channel: string; ts: string; approvalId: string | null }>;
  /**
   * A Block Actions request as Slack sends it to the interactions URL, signed with `secret` (the app's,
   * unless a test forges one) at `timestamp`. The message clicked is, unless `ts` names one, the newest
   * the app posted in `channel` for that approval. `team` and `userTeam` (the payload's `team.id` and
   * `user.team_id`) are the app's workspace unless set; `null` leaves them out.
   */
  click(args: {
    approvalId: string;
    action: "approve" | "deny";
    user: string;
    channel?: string;
    ts?: string;
    team?: string | null;
    userTeam?: string | null;
    secret?: string;
    timestamp?: number;
  }): SlackRequest;
  /** An Events API request as Slack sends it to the events URL (JSON), signed like a click. */
  event(payload: Record<string, unknown>, options?: { secret?: string; timestamp?: number }): SlackRequest;
  /** The `url_verification` request Slack sends when the app's Event Subscriptions Request URL is set. */
  urlVerification(options?: { challenge?: string; secret?: string; timestamp?: number }): SlackRequest & { challenge: string };
  close(): Promise<void>;
}

const TEAM_ID = "T0GATEHOUSE";

export async function startSlackStandIn(): Promise<SlackStandIn> {
  const botToken = `xoxb-${randomBytes(12).toString("hex")}`;
  const signingSecret = randomBytes(16).toString("hex");
  const calls: SlackCall[] = [];
  const users = new Map<string, SlackStandInUser>();
  const posted: SlackStandIn["posted"] = [];
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
          return send({ ok: true, team_id: TEAM_ID, team: "Gatehouse Test", user_id: "U0GATEBOT", bot_id: "B0GATEBOT" });
        case "chat.postMessage": {
          messages += 1;
          const ts = `${Math.floor(Date.now() / 1000)}.${String(messages).padStart(6, "0")}`;
          const approvalId = /"value":"(apr_[0-9a-zA-Z]{22})"/.exec(JSON.stringify(args.blocks ?? []))?.[1] ?? null;
          posted.push({ channel: String(args.channel), ts, approvalId });
          return send({ ok: true, channel: args.channel, ts });
        }
        case "chat.update":
          return send({ ok: true, channel: args.channel, ts: args.ts });
        case "chat.postEphemeral":
          return send({ ok: true, message_ts: `${Math.floor(Date.now() / 1000)}.000000` });
        case "users.info": {
          const user = users.get(String(args.user));
          if (!user) return send({ ok: false, error: "user_not_found" });
          return send({
            ok: true,
            user: {
              id: args.user,
              team_id: user.team ?? TEAM_ID,
              deleted: user.deleted === true,
              is_bot: user.isBot === true,
              is_app_user: user.appUser === true,
              is_restricted: user.restricted === true,
              is_ultra_restricted: user.ultraRestricted === true,
              ...(user.stranger ? { is_stranger: true } : {}),
              profile: user.email ? { email: user.email } : {},
            },
          });
        }
        default:
          return send({ ok: false, error: "unknown_method" });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const sign = (body: string, contentType: string, secret: string, timestamp: number): SlackRequest => {
    const signature = `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`, "utf8").digest("hex")}`;
    return { body, headers: { "content-type": contentType, "x-slack-request-timestamp": String(timestamp), "x-slack-signature": signature } };
  };
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    botToken,
    signingSecret,
    teamId: TEAM_ID,
    calls,
    users,
    posted,
    click({ approvalId, action, user, channel = "C0APPROVALS", ts, team = TEAM_ID, userTeam = team, secret = signingSecret, timestamp = Math.floor(Date.now() / 1000) }) {
      const message = ts ?? posted.findLast((m) => m.channel === channel && m.approvalId === approvalId)?.ts ?? "1.000001";
      const payload = {
        type: "block_actions",
        ...(team === null ? {} : { team: { id: team, domain: "gatehouse-test" } }),
        user: { id: user, ...(userTeam === null ? {} : { team_id: userTeam }) },
        channel: { id: channel },
        container: { type: "message", message_ts: message, channel_id: channel },
        message: { ts: message },
        actions: [{ action_id: action, block_id: "gatehouse_approval", value: approvalId, type: "button" }],
      };
      return sign(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), "application/x-www-form-urlencoded", secret, timestamp);
    },
    event(payload, { secret = signingSecret, timestamp = Math.floor(Date.now() / 1000) } = {}) {
      return sign(JSON.stringify(payload), "application/json", secret, timestamp);
    },
    urlVerification({ challenge = randomBytes(24).toString("base64url"), secret = signingSecret, timestamp = Math.floor(Date.now() / 1000) } = {}) {
      return { ...sign(JSON.stringify({ token: "deprecated-verification-token", challenge, type: "url_verification" }), "application/json", secret, timestamp), challenge };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
