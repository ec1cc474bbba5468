import { scorePosture } from "@gatehouse/core";
import { db } from "../infra/client";
import { gatherPostureFacts } from "./gather-posture-facts";

/** Orgs read per batch; a run takes batches until every open org has today's snapshot. */
const BATCH = 50;

/** Midnight UTC of `now`'s day. */
export function utcDay(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/**
 * The worker's daily posture history: for each open org without a snapshot for today (UTC), computes
 * its posture and stores it in posture_snapshots (`ON CONFLICT DO NOTHING`, so two runs at once store
 * one). Answers how many it stored. One org failing is skipped (observation) and retried next run.
 */
export async function snapshotPostures(now: Date = new Date()): Promise<number> {
  const day = utcDay(now);
  let stored = 0;
  for (;;) {
    const { rows } = await db().pool.query<{ id: string }>(
      `SELECT o.id FROM orgs o WHERE o.closed_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM posture_snapshots s WHERE s.org_id = o.id AND s.day = $1)
       ORDER BY o.id LIMIT $2`,
      [day, BATCH],
    );
    let storedNow = 0;
    for (const { id } of rows) {
      try {
        const posture = scorePosture(await gatherPostureFacts(id, now));
        const inserted = await db().pool.query(
          `INSERT INTO posture_snapshots (org_id, day, score, components, computed_at) VALUES ($1, $2, $3, $4::jsonb, $5) ON CONFLICT DO NOTHING`,
          [id, day, posture.score, JSON.stringify(posture.components), now],
        );
        storedNow += inserted.rowCount ?? 0;
      } catch {
        // The next run tries this org again.
      }
    }
    stored += storedNow;
    // A short batch was the last; a batch that stored nothing (every org failing) waits for the next run.
    if (rows.length < BATCH || storedNow === 0) return stored;
  }
}
