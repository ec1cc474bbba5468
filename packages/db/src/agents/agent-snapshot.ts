import type { CircuitState } from "./services/circuit-breaker";
import { db } from "./client";
import { SharedLookups } from "./shared-lookups";
import { signals } from "./signals";

/**
 * Short-lived, per-process copies of the rows every decision reads (the agent, the org's settings),
 * so the hot path makes no query of its own. They are dropped by `agent.changed` signals and expire
 * after SNAPSHOT_TTL_MS. Halting does not depend on them: the decision's commit re-reads the agent's
 * status under the org's log lock (decision-log.ts).
 */
export const SNAPSHOT_TTL_MS = 1_000;

export interface AgentSnapshot {
  id: string;
  orgId: string;
  name: string;
  labels: Record<string, string>;
  status: "active" | "halted";
  circuitState: CircuitState;
  circuitOpenedAt: Date | null;
  createdByMembershipId: string | null;
}

interface Cached<T> {
  value: T;
  expiresAt: number;
}

const agents = new Map<string, Cached<AgentSnapshot | null>>();
const orgSettings = new Map<string, Cached<unknown>>();
const agentLookups = new SharedLookups<AgentSnapshot | null>();
const settingsLookups = new SharedLookups<unknown>();
let subscribed = false;
const MAX_ENTRIES = 50_000;

function ensureSubscribed(): void {
  if (subscribed) return;
  subscribed = true;
  signals().subscribe((signal) => {
    if (signal.type === "agent.changed") forgetAgent(signal.agentId);
    if (signal.type === "settings.changed") forgetOrgSettings(signal.orgId);
  });
}

export function forgetAgent(agentId: string): void {
  agents.delete(agentId);
  agentLookups.forget(agentId);
}

export function forgetOrgSettings(orgId: string): void {
  orgSettings.delete(orgId);
  settingsLookups.forget(orgId);
}

export async function agentSnapshot(orgId: string, agentId: string, now = Date.now()): Promise<AgentSnapshot | null> {
  ensureSubscribed();
  const cached = agents.get(agentId);
  // Agent ids are global; the org check keeps an id from another org from ever answering here.
  const inOrg = (value: AgentSnapshot | null) => (value?.orgId === orgId ? value : null);
  if (cached && cached.expiresAt > now) return inOrg(cached.value);
  const shared = agentLookups.run(agentId, async (isCurrent) => {
    const row = await db().agent.findUnique({ where: { id: agentId } });
    const value: AgentSnapshot | null = row
      ? {
          id: row.id,
          orgId: row.orgId,
          name: row.name,
          labels: row.labels as Record<string, string>,
          status: row.status,
          circuitState: row.circuitState,
          circuitOpenedAt: row.circuitOpenedAt,
          createdByMembershipId: row.createdByMembershipId,
        }
      : null;
    if (agents.size >= MAX_ENTRIES) agents.clear();
    if (isCurrent()) agents.set(agentId, { value, expiresAt: now + SNAPSHOT_TTL_MS });
    return value;
  });
  return inOrg(await shared);
}

export async function orgSettingsSnapshot(orgId: string, now = Date.now()): Promise<unknown> {
  ensureSubscribed();
  const cached = orgSettings.get(orgId);
  if (cached && cached.expiresAt > now) return cached.value;
  return settingsLookups.run(orgId, async (isCurrent) => {
    const org = await db().org.findUniqueOrThrow({ where: { id: orgId }, select: { settings: true } });
    if (orgSettings.size >= MAX_ENTRIES) orgSettings.clear();
    if (isCurrent()) orgSettings.set(orgId, { value: org.settings, expiresAt: now + SNAPSHOT_TTL_MS });
    return org.settings;
  });
}
