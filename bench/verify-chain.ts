// Recomputes every leaf and chain hash of an org's log from the database; prints { entries, valid }.
// Given several orgs, prints one line for each, { orgId, entries, valid }.
import { chainHash, GENESIS_CHAIN_HASH, leafHash } from "@gatehouse/core";
import pg from "pg";

const orgIds = process.argv.slice(2);
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error("DATABASE_URL is not set: name the database whose log to verify");
  process.exit(1);
}
const client = new pg.Client({ connectionString: databaseUrl });
await client.connect();
for (const orgId of orgIds) {
  const { rows } = await client.query<{ seq: string; canonical: string; leaf_hash: string; chain_hash: string }>(
    "SELECT seq, canonical, leaf_hash, chain_hash FROM audit_entries WHERE org_id = $1 ORDER BY seq",
    [orgId],
  );
  let previous = GENESIS_CHAIN_HASH;
  let valid = true;
  rows.forEach((row, i) => {
    const leaf = leafHash(row.canonical);
    if (Number(row.seq) !== i || leaf !== row.leaf_hash || chainHash(previous, leaf) !== row.chain_hash) valid = false;
    previous = row.chain_hash;
  });
  console.log(JSON.stringify(orgIds.length > 1 ? { orgId, entries: rows.length, valid } : { entries: rows.length, valid }));
}
await client.end();
