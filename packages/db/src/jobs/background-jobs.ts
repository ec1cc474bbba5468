import {
  checkpointGrowingLogs,
  detectAnomalies,
  detectUnresponsiveAgents,
  dropAuditMonths,
  ensureAuditPartitions,
  expireDueApprovals,
  expireDueDelegations,
  pruneMinuteRollups,
  pruneRateEvents,
  releaseDueReservations,
  rollUpDecisions,
  pruneWebhookDeliveries,
  sendApprovalNotices,
  snapshotPostures,
  sweepRetention,
  webhookDispatcher,
  WitnessPacer,
  witnessLatestCheckpoints,
} from "../index";
import type { Job } from "./runner";

/**
 * What the worker runs, once across all its instances (docs/adr/0009-background-jobs.md). Each job is
 * also safe when two processes run it at once (a leader that lost its lock without noticing): rows
 * are claimed FOR UPDATE SKIP LOCKED, checkpoints are unique per size.
 */
export function backgroundJobs(): Job[] {
  // The witnessing job's pace, kept between its runs: each org's requests per minute, each failing witness's back-off.
  const witnessPacer = new WitnessPacer();
  return [
    // Overdue approvals become `expired` (audit entry, action denied, waiters woken) within a second.
    { name: "approval-expiry", everyMs: 1_000, run: expireDueApprovals },
    // Every log that grew gets a signed checkpoint within a second.
    { name: "audit-checkpoints", everyMs: 1_000, run: checkpointGrowingLogs },
    // Orgs with witnesses: the latest checkpoint is put to each witness that has not cosigned it, paced (docs/audit.md, Witnesses).
    { name: "audit-witnessing", everyMs: 5_000, run: () => witnessLatestCheckpoints({ pacer: witnessPacer }) },
    // Delegations past their expiry get a `delegation.expired` entry within a second (expiry itself is exact at request time).
    { name: "delegation-expiry", everyMs: 1_000, run: () => expireDueDelegations() },
    // New decisions and outcomes are counted into decision_rollups (per minute and hour) within a second.
    { name: "decision-rollups", everyMs: 1_000, run: () => rollUpDecisions() },
    // Per-minute rollups older than 48 hours are dropped (the hourly ones stay).
    { name: "rollup-pruning", everyMs: 60_000, run: () => pruneMinuteRollups() },
    // Rate and loop counts no window reads any more are dropped (without Redis, every decision writes some: docs/loops.md).
    { name: "rate-event-pruning", everyMs: 60_000, run: () => pruneRateEvents() },
    // Agents whose open heartbeat session missed its beats are marked unresponsive, once (docs/agents.md, Presence).
    { name: "agent-presence", everyMs: 5_000, run: () => detectUnresponsiveAgents() },
    // Reservations against budgets whose outcome never came are released at their deadline (docs/budgets.md).
    { name: "budget-reservations", everyMs: 15_000, run: () => releaseDueReservations() },
    // Approvals whose policy routes them: emails with links, Slack messages, reminders and escalation when due; Slack messages of ended approvals updated (docs/approvals.md, Routing).
    { name: "approval-notices", everyMs: 1_000, run: () => sendApprovalNotices() },
    // Webhook endpoints with entries past their cursor get them, in order, each endpoint on its own (docs/webhooks.md).
    { name: "webhook-delivery", everyMs: 200, run: () => webhookDispatcher().tick() },
    // Webhook delivery logs older than 30 days are dropped.
    { name: "webhook-delivery-pruning", everyMs: 10 * 60_000, run: () => pruneWebhookDeliveries() },
    // Each minute: agents whose call or denial rate jumped past their baseline (docs/posture.md, Anomalies).
    { name: "anomaly-detection", everyMs: 60_000, run: () => detectAnomalies() },
    // Each open org's posture score is stored once per UTC day (the trend); the first run is when the worker starts leading.
    { name: "posture-snapshots", everyMs: 10 * 60_000, run: () => snapshotPostures() },
    // Each hour: the values of erasable fields past an org's retention are erased, each batch recorded as an entry (docs/audit.md, Retention).
    { name: "audit-retention", everyMs: 60 * 60_000, run: () => sweepRetention() },
    // Each hour: audit_entries has its partition for this month and the three after it (docs/audit.md, Partitions).
    { name: "audit-partitions", everyMs: 60 * 60_000, run: () => ensureAuditPartitions() },
    // Each day: the oldest months of audit_entries go once every org with entries in them allows it (docs/audit.md, Dropping old months).
    { name: "audit-drop-months", everyMs: 24 * 60 * 60_000, run: () => dropAuditMonths() },
  ];
}
