import { db } from "../infra/client";

/** How often one process writes an agent's last sighting: well inside the shortest live window (3 × 5 s). */
const SEEN_EVERY_MS = 5_000;
const seenWritten = new Map<string, number>();
/** Past this many agents the map is cleared (it only saves writes). */
const MAX_REMEMBERED = 100_000;

/**
 * An agent called the API with its key (docs/agents.md, Presence): its `last_seen_at` moves on (at
 * most every 5 s per agent and process) and an unresponsive mark clears. Observation, so it fails open
 * and never delays the call: the write is not awaited, and a failed one is tried again next time.
 */
export function noteAgentSeen(agentId: string, now = Date.now()): void {
  const last = seenWritten.get(agentId) ?? 0;
  if (now - last < SEEN_EVERY_MS) return;
  if (seenWritten.size >= MAX_REMEMBERED) seenWritten.clear();
  seenWritten.set(agentId, now);
  db()
    .pool.query(`UPDATE agents SET last_seen_at = GREATEST(COALESCE(last_seen_at, $2), $2), unresponsive_since = NULL WHERE id = $1`, [agentId, new Date(now)])
    .catch(() => seenWritten.delete(agentId));
}
