/** `gatehouse policies versions <name>`: a policy's versions, newest first, with who published each. */
import type { PolicyVersionList } from "@gatehouse/sdk";
import { shortTime, table } from "./cli-common.ts";

export const VERSIONS_HELP = `Usage: gatehouse policies versions <name> [--json]

Prints every version of the policy <name>, newest first (at most 500): its number, when and by
whom it was published (from its audit entry), and its content hash. An archived policy's versions
are listed too; a name the org never had is an error (exit status 1).

Options:
  --json    Print the answer as JSON, documents included
`;

/** The versions as a person reads them: the policy's status, then a table. */
export function formatPolicyVersions(list: PolicyVersionList): string {
  const head = `${list.name} (${list.status}), ${list.versions.length} version${list.versions.length === 1 ? "" : "s"}`;
  const rows = list.versions.map((v) => [`v${v.version}`, shortTime(v.createdAt), v.createdBy ? v.createdBy.label : "-", v.contentHash.slice(0, 12)]);
  return `${head}\n\n${table(["VERSION", "PUBLISHED", "BY", "HASH"], rows)}`;
}
