/** `admin.slack`: the org's Slack app, where approvers vote from Slack (docs/approvals.md, Slack). */
import { request, type TransportConfig } from "../request.ts";
import type { RequestOptions, SlackConnection, SlackConnectionPending } from "../types.ts";

/** The org's Slack app (docs/approvals.md, Slack; `integrations.manage`). */
export interface AdminSlack {
  get(options?: RequestOptions): Promise<SlackConnection>;
  /**
   * Slack must accept the bot token; both secrets are stored encrypted and never answered. The app is
   * `pending` until Slack proves its signing secret (set the app's Event Subscriptions Request URL to
   * `eventsPath`). While the org's two-admin rule is in force nothing changes yet: the answer is
   * `{ status: "pending_approval", approvalId }`, for another owner or admin to approve.
   */
  connect(app: { botToken: string; signingSecret: string }, options?: RequestOptions): Promise<SlackConnection | SlackConnectionPending>;
  disconnect(options?: RequestOptions): Promise<SlackConnection>;
}

export function createAdminSlack(config: TransportConfig): AdminSlack {
  return {
    get: (options = {}) => request<SlackConnection>(config, { method: "GET", path: "/v1/admin/integrations/slack", signal: options.signal }),
    connect: (app, options = {}) =>
      request<SlackConnection | SlackConnectionPending>(config, {
        method: "PUT",
        path: "/v1/admin/integrations/slack",
        body: { botToken: app.botToken, signingSecret: app.signingSecret },
        signal: options.signal,
      }),
    disconnect: (options = {}) => request<SlackConnection>(config, { method: "DELETE", path: "/v1/admin/integrations/slack", signal: options.signal }),
  };
}
