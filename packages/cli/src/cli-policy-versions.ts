/** `gatehouse policies versions <name>`: a policy's versions, newest first, with who published each. */
import type { PolicyVersionList } from "@gatehouse/sdk";
import { EXIT_OK, noMore, printJson, shortTime, table, UsageError } from "./cli-common.ts";
import { defineCommand } from "./command.ts";

const VERSIONS_HELP = `Usage: gatehouse policies versions <name> [--json]

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

export const versionsCommand = defineCommand({
  name: "versions",
  synopsis: "<name>",
  summary: "A policy's versions, newest first, with who published each",
  options: { json: { type: "boolean" } },
  connection: "admin",
  help: VERSIONS_HELP,
  async run(io, args, options) {
    const [name, ...extra] = args;
    if (name === undefined) throw new UsageError("policies versions needs a policy name: gatehouse policies versions <name>");
    noMore(extra);
    const list = await io.admin().policies.versions(name, { signal: io.signal });
    if (options.json) return printJson(io.stdout, list);
    io.stdout(formatPolicyVersions(list));
    return EXIT_OK;
  },
});
