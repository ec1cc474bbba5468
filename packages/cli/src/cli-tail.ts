/** `gatehouse tail`: events as they happen, with any key of the org. */
import type { GatehouseEvent } from "@gatehouse/sdk";
import { anyKeyConnectionOptions, EXIT_OK, noMore, shortTime } from "./cli-common.ts";
import { defineCommand, type CommandGroup } from "./command.ts";

const TAIL_HELP = `Usage: gatehouse tail [--since <eventId>] [--json]

Prints events as they happen until Ctrl-C: action.executed, action.denied, approval.requested,
approval.voted, approval.decided, approval.expired, delegation.created, delegation.revoked,
delegation.expired, enforcement.triggered, anomaly.detected, agent.unresponsive, budget.threshold,
budget.exceeded, guardrail.triggered, loop.detected, postcondition.violated, policy.changed (admin
keys). Reconnects
by itself, without gaps. The server replays at most its last 10,000 log entries: a --since older
than that says on stderr which entries it skipped (gatehouse audit export has them).

Options:
  --since <eventId>  Start after this event (the #id a line shows) instead of with what happens next
  --json             One JSON object per line: { id, type, data }

${anyKeyConnectionOptions("the org's events", "agent's events")}

Output: time, #id, type, action type (- for a delegation event), then agent=, delegation=,
child=, approval=, status=, denial=, by=, reason=, budget=, threshold= and findings= (class:detector@path,
never the value) when the event has them.
`;

const tail = defineCommand({
  name: "",
  summary: "Print events (decisions, approvals) as they happen",
  options: { since: { type: "string" }, json: { type: "boolean" } },
  connection: "any",
  help: TAIL_HELP,
  async run(io, args, options) {
    noMore(args);
    const client = io.client();
    io.stderr("Waiting for events (Ctrl-C to stop)…\n");
    for await (const event of client.subscribe({ lastEventId: options.since, signal: io.signal })) {
      if (options.json) io.stdout(`${JSON.stringify(event)}\n`);
      else if (event.type === "replay.truncated") io.stderr(formatTruncated(event));
      else io.stdout(formatEvent(event));
    }
    return EXIT_OK;
  },
});

export const tailGroup: CommandGroup = { name: "tail", commands: [tail] };

/** What a cut replay skipped, as the server says it, for the terminal (events go on after it). */
function formatTruncated(event: GatehouseEvent): string {
  const said = event.data["message"];
  return `${typeof said === "string" ? said : `The replay was cut: it resumes after #${event.id}.`} Read the skipped entries with gatehouse audit export.\n`;
}

/** `2025-06-01T12:00:00Z  #42  approval.decided  pr.merge  agent=agt_1 approval=apr_1 status=denied by=bo@example.com reason="not today"` */
function formatEvent(event: GatehouseEvent): string {
  const { data } = event;
  const facts = [
    `agent=${data.agentId}`,
    typeof data.delegationId === "string" ? `delegation=${data.delegationId}` : undefined,
    typeof data.childAgentId === "string" ? `child=${data.childAgentId}` : undefined,
    data.approvalId === undefined ? undefined : `approval=${data.approvalId}`,
    data.status === undefined ? undefined : `status=${data.status}`,
    data.denialReason === undefined ? undefined : `denial=${data.denialReason}`,
    data.type !== "approval.decided" || data.decidedBy === undefined ? undefined : `by=${data.decidedBy.email || data.decidedBy.name || data.decidedBy.id}`,
    data.reason === undefined ? undefined : `reason=${JSON.stringify(data.reason)}`,
    data.change === undefined ? undefined : `policy=${data.policyName ?? "?"} v${data.version ?? "?"} ${data.change}`,
    data.type === "budget.threshold" || data.type === "budget.exceeded" ? `budget=${data.budget?.name ?? "?"}` : undefined,
    data.type === "budget.threshold" && data.threshold !== undefined ? `threshold=${data.threshold}` : undefined,
    // Quoted like reason=: a path holds keys an agent chose, which may hold control characters.
    data.type === "guardrail.triggered" && data.findings ? `findings=${JSON.stringify(data.findings.map((f) => `${f.class}:${f.detector}@${f.path}`).join(","))}` : undefined,
  ].filter((fact) => fact !== undefined);
  return `${shortTime(data.at)}  #${event.id}  ${event.type}  ${data.actionType ?? "-"}  ${facts.join(" ")}\n`;
}
