// `npm run failover`: starts the failover topology of the fault tests (scripts/lib/failover-topology.ts: etcd, two
// Patroni nodes — a primary and its synchronous standby — and HAProxy), migrates it, prints where it listens, and
// keeps it until Ctrl-C. Point API processes at the HAProxy URL, then `kill -9` the primary's postmaster to watch
// Patroni fail over (docs/deploying.md). Needs Debian's patroni, etcd-server and haproxy packages.
import { migrate } from "@gatehouse/db/migrate";
import { startFailoverTopology } from "./lib/failover-topology";

const topology = await startFailoverTopology({ log: (line) => console.log(`[failover] ${line}`) });
await migrate({ url: topology.url, log: (line) => console.log(`[migrate] ${line}`) });
const primary = await topology.primary();
console.log(`[failover] DATABASE_URL=${topology.url}  (HAProxy: always the primary)`);
for (const node of topology.nodes) {
  console.log(
    `[failover] ${node.name}: ${node.url}, Patroni REST http://127.0.0.1:${node.restPort}, postmaster pid ${topology.postmasterPid(node)}${node === primary ? " (primary)" : ""}`,
  );
}
console.log("[failover] Ctrl-C stops everything and removes its files");
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await topology.stop();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
setInterval(() => {}, 60_000);
