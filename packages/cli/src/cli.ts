/**
 * The `gatehouse` command line. {@link main} takes its world as arguments (argv, env, fetch,
 * writers, file reader) so tests can run it whole; bin.ts passes the real ones, the environment
 * through env.ts.
 */
import { readFile as readFileFromDisk } from "node:fs/promises";
import type { Writable } from "node:stream";
import { parseArgs as parseCommandLine } from "node:util";
import {
  BadRequestError,
  DEFAULT_BASE_URL,
  Gatehouse,
  GatehouseAdmin,
  GatehouseError,
  type Approval,
  type ApprovalStatus,
  type Fetch,
  type GatehouseEvent,
  type GatehouseOptions,
  type PolicyDocument,
  type PolicySetDiff,
  type PolicyTestCaseInput,
} from "@gatehouse/sdk";
import { exportLog, printKeys, printProof, PROGRESS_EVERY, saveCheckpoint, serverVerify, verifyFile, type AuditCliIo } from "./cli-audit.ts";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, shortTime, table, UsageError } from "./cli-common.ts";
import { runAgents, runKeys, type AgentsCliIo } from "./cli-agents.ts";
import { runDelegations } from "./cli-delegations.ts";
import { runInvitations, runMembers, runOrg, runSettings, type MembersCliIo } from "./cli-members.ts";
import { runPolicyMonitor } from "./cli-policy-monitor.ts";
import { runPolicyLibrary } from "./cli-policy-library.ts";
import { formatPolicyVersions, VERSIONS_HELP } from "./cli-policy-versions.ts";
import { parseDays, POLICIES_SIMULATE_HELP, POLICIES_TEST_HELP, simulatePolicyFile, testPolicyFile } from "./cli-policies.ts";
import { runPosture } from "./cli-posture.ts";
import { credentialsPath, readCredentials, removeCredentials, writeCredentials, type Credentials } from "./credentials.ts";
import type { CliEnv } from "./env.ts";
import { formatPolicyFile, PolicyFileError, readPolicyFile, type PolicyFile, type PolicyFileFormat } from "./policy-file.ts";
import { VERSION } from "./version.ts";

/** Everything the CLI touches outside itself. */
export interface CliContext {
  /** The arguments after the program name, e.g. `["policies", "apply", "policies.yaml"]`. */
  argv: readonly string[];
  /** `GATEHOUSE_API_KEY` and `GATEHOUSE_BASE_URL` (the flags win over them, and they over the credentials file); where that file is. */
  env: Readonly<CliEnv>;
  fetch: Fetch;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Reads a file as UTF-8. Default: from disk. */
  readFile?: (path: string) => Promise<string>;
  /** Aborts the command's calls; ends `tail` (exit status 0). The executable aborts it on Ctrl-C. */
  signal?: AbortSignal;
  /** Whether stderr is a terminal: `verify` then reports its progress. Default: false. */
  stderrIsTTY?: boolean;
  /** Where `audit export` streams its bytes without `--out`, with backpressure. Default: the text goes through `stdout`. */
  stdoutStream?: Writable;
  /** Reads the key `gatehouse login` was not given with --api-key (piped in, or a hidden prompt). Default: none, so login needs --api-key. */
  readSecret?: (prompt: string) => Promise<string>;
  /** The credentials file's key and base URL, read by {@link main} when neither the flags nor the environment give them. */
  saved?: Credentials | null;
  /** Now, in ms since the epoch (whether a listed key has expired). Default: `Date.now`. */
  now?: () => number;
}

export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./cli-common.ts";

const CONNECTION_OPTIONS = `Connection:
  --api-key <key>    Org admin key (gh_admin_…). Default: $GATEHOUSE_API_KEY, else gatehouse login's
  --base-url <url>   Where the Gatehouse API listens. Default: $GATEHOUSE_BASE_URL, else gatehouse
                     login's, else ${DEFAULT_BASE_URL}`;

const TAIL_CONNECTION_OPTIONS = `Connection:
  --api-key <key>    Org admin key (gh_admin_…: the org's events) or agent key (gh_…: its
                     agent's events). Default: $GATEHOUSE_API_KEY, else gatehouse login's
  --base-url <url>   Where the Gatehouse API listens. Default: $GATEHOUSE_BASE_URL, else gatehouse
                     login's, else ${DEFAULT_BASE_URL}`;

const AUDIT_CONNECTION_OPTIONS = `Connection:
  --api-key <key>    Org admin key (gh_admin_…: the org's whole log) or agent key (gh_…: its
                     agent's entries). Default: $GATEHOUSE_API_KEY, else gatehouse login's
  --base-url <url>   Where the Gatehouse API listens. Default: $GATEHOUSE_BASE_URL, else gatehouse
                     login's, else ${DEFAULT_BASE_URL}`;

const MAIN_HELP = `Usage: gatehouse <command> [options]

Commands:
  login                    Save an admin key (checked with the server) for the other commands
  logout                   Remove the saved key
  policies apply <file>    Make the org's active policies exactly those in <file>
  policies export          Print the org's active policies as a file you can apply again
  policies monitor         Print what monitor mode and report-only would have blocked, per day and policy
  policies library [--pack <id>]   List the policy template library and its compliance packs
  policies library show <id>   Print a library template as a policy file with its tests
  policies versions <name> A policy's versions, newest first, with who published each
  policies test <file>     Run the tests in <file> against its policies, offline
  policies simulate <file> [--days <n>]   Replay <file>'s policies against the org's recent decisions
  approvals list           List the org's approvals (pending ones by default)
  approvals approve <id>…  Vote to approve actions waiting for approval (several ids: one request)
  approvals deny <id>…     Vote to deny them (one deny decides)
  tail                     Print events (decisions, approvals) as they happen
  verify <bundle.jsonl>    Check an exported audit log offline: no key, no network
  audit export             Download the audit log as a bundle to verify offline (or as CSV)
  audit checkpoint         Save a signed checkpoint, to check later that the log only grew
  audit keys               Print the org's checkpoint verifier keys
  audit verify             Ask the server to recompute and check its audit log
  audit proof <entry>      Print an entry's inclusion proof, checked on this machine
  members list             List the org's members (role, sign-in, last activity)
  members set-role <id> <role>   Give a member a new role
  members remove <id>      Remove a member and revoke their admin keys
  invitations list         List pending invitations
  invitations create <email> --role <role>   Invite someone; prints the link to send them
  invitations revoke <id>  Revoke an invitation
  org show                 Print the org's name, slug and member count
  org rename [<name>] [--slug <slug>]   Rename the org or change its slug
  org close --confirm <slug>   Close the org for good (owners only; its keys stop working)
  settings get             Print the org's settings (circuit breaker, default approval timeout)
  settings set [--approval-timeout <s>] [--failure-threshold <n>] [--window-seconds <s>] [--cooldown-seconds <s>]
                           Change some of the org's settings
  agents list              List the org's agents (status, circuit breaker, labels)
  agents create <name> [--description <text>] [--label k=v]…   Create an agent; prints its key once
  agents halt <id> --reason <text>   Halt an agent: every decision of it is denied
  agents resume <id> [--reason <text>]   Resume a halted agent
  agents keys <id>         List an agent's keys (without secrets)
  agents issue-key <id> [--expires-in-days <n>]   Issue another key for an agent; prints it once
  keys list                List personal admin keys (yours; an owner sees everyone's)
  keys create --name <name> [--expires-in-days <n>]   Issue a personal admin key; prints it once
  keys revoke <id>         Revoke a key (an admin key or an agent's)
  delegations list [--agent <id>]   Print agents' delegation trees, indented
  delegations revoke <id>  Revoke a delegation and every delegation below it
  posture [--json]         Print the org's posture score, its components and the findings to fix

Connection:
  --api-key <key>    Org admin key (gh_admin_…; tail, audit and posture also take an agent's gh_… key;
                     verify takes none). Default: $GATEHOUSE_API_KEY, else the key saved by
                     gatehouse login
  --base-url <url>   Where the Gatehouse API listens. Default: $GATEHOUSE_BASE_URL, else the URL
                     saved by gatehouse login, else ${DEFAULT_BASE_URL}

Options:
  -h, --help         Help for a command, e.g. gatehouse policies apply --help
  --version          Print the version

Exit status: 0 done, 1 the call or the file failed, 2 the command line was wrong.
verify: 0 valid, 1 invalid, 2 the command line was wrong or a file could not be read.
`;

const POLICIES_HELP = `Usage: gatehouse policies <command> [options]

Commands:
  apply <file> [--dry-run]       Make the org's active policies exactly those in <file>
  export [--format json|yaml]    Print the org's active policies as a file you can apply again
  monitor [--days N] [--json]    What monitor mode and report-only would have blocked, per day and policy
  library [--pack <id>]          List the policy template library and its compliance packs
  library show <id>              Print a template as a policy file with its tests
  versions <name> [--json]       A policy's versions, newest first, with who published each
  test <file> [--json]           Run the tests in <file> against its policies, offline
  simulate <file> [--days <n>] [--json]   Replay <file>'s policies against recent decisions

Run gatehouse policies <command> --help for details.
`;

const APPLY_HELP = `Usage: gatehouse policies apply <file> [--dry-run]

Makes the org's active policies exactly those in <file>: new names are created, changed ones get
a new version, identical ones stay as they are, and active policies missing from the file are
archived. The whole set is applied at once, or nothing is.

<file> holds { "policies": [ … ], "tests": [ … ] } or a bare list of policy documents, in JSON or
YAML (by its extension: .json, .yaml, .yml; any other name is read as JSON if it parses, else as
YAML). The file's tests (see gatehouse policies test --help) run on the server before anything is
applied: when one fails, nothing is, and each failure is printed at its line. They are stored with
the policies (a file without tests removes the stored ones) and exported with them.

Options:
  --dry-run          Only show what would change

${CONNECTION_OPTIONS}

Output, one line per change, then the counts:
  + name v1          created
  ~ name v1 → v2     updated
  - name v3          archived
  = 4 unchanged

When the server rejects the set, each problem is printed with its path in the file
(policies[1].effect) and line, and the exit status is 1.
`;

const EXPORT_HELP = `Usage: gatehouse policies export [--format json|yaml]

Prints the org's active policies, and the tests published with them, as a policy file: applying
it again changes nothing. Versions and content hashes are left out; defaults the server filled in
(agents, mode, approval, the tests' request fields) are kept.

Options:
  --format <format>  json (default) or yaml

${CONNECTION_OPTIONS}

Example: gatehouse policies export --format yaml > policies.yaml
`;

const APPROVALS_HELP = `Usage: gatehouse approvals <list|approve|deny> [options]

Commands:
  list [--status <status>] [--json]   List approvals, newest first
  approve <id>… [--reason <text>]     Vote to approve (several ids: one request)
  deny <id>… [--reason <text>]        Vote to deny (one deny decides)

Run gatehouse approvals <command> --help for details.
`;

const APPROVALS_LIST_HELP = `Usage: gatehouse approvals list [--status <status>] [--json]

Lists the org's approvals, newest first, one page at a time.

Options:
  --status <status>  pending (default), approved, denied, expired, cancelled or all
  --limit <n>        How many per page. Default: the server's
  --cursor <cursor>  The page after the one that printed it
  --json             Print the page as JSON ({ approvals, nextCursor })

${CONNECTION_OPTIONS}

Output: a table of ID, AGENT, ACTION, STATUS, QUORUM (approvals so far / needed) and EXPIRES. A
delegate's AGENT names the agents that delegated to it, root first:
reader-2 (delegated by build-agent > reader).
`;

function voteHelp(decision: "approve" | "deny"): string {
  const what =
    decision === "approve"
      ? "Votes to approve <id> as the key's member. Once enough members approve (the quorum), the\naction goes ahead and the agent waiting on it continues."
      : "Votes to deny <id> as the key's member. One deny decides: the approval is denied and the agent\nwaiting on it gets DENIED_BY_REVIEWER. Giving a reason is recommended; the agent sees it.";
  return `Usage: gatehouse approvals ${decision} <id> [<id>…] [--reason <text>]

${what}

With several ids, the same vote goes to each in one request (at most 1000): a line per id says
its status after the vote or why the vote was refused; the exit code is 1 if any was refused.

You cannot vote on an action you requested, vote twice, or vote on a decided or expired approval,
whichever way you vote (one id or several, any of your keys).

Options:
  --reason <text>    Why; recorded in the audit log with the vote

${CONNECTION_OPTIONS}
`;
}

const TAIL_HELP = `Usage: gatehouse tail [--since <eventId>] [--json]

Prints events as they happen until Ctrl-C: action.executed, action.denied, approval.requested,
approval.voted, approval.decided, approval.expired, delegation.created, delegation.revoked,
delegation.expired, enforcement.triggered, anomaly.detected, policy.changed (admin keys). Reconnects
by itself, without gaps. The server replays at most its last 10,000 log entries: a --since older
than that says on stderr which entries it skipped (gatehouse audit export has them).

Options:
  --since <eventId>  Start after this event (the #id a line shows) instead of with what happens next
  --json             One JSON object per line: { id, type, data }

${TAIL_CONNECTION_OPTIONS}

Output: time, #id, type, action type (- for a delegation event), then agent=, delegation=,
child=, approval=, status=, denial=, by= and reason= when the event has them.
`;

const VERIFY_HELP = `Usage: gatehouse verify <bundle.jsonl> [--key <vkey>|--key @<file>]... [--since <file>] [--allow-unsigned] [--json] [--progress]

Checks an audit bundle (from gatehouse audit export) on this machine, with no API key and no
network: each entry's leaf hash against its canonical text, that entries are in order with no
gaps, the Merkle tree against every signed checkpoint, and every checkpoint's signature. The file
is read as a stream, so a log of any size is checked in constant memory.

Options:
  --key <vkey>       Trust this checkpoint verifier key (<name>+<hash>+<key>); repeat for several
  --key @<file>      Trust the keys in <file>, one per line (what gatehouse audit keys prints)
  --since <file>     A checkpoint you saved earlier (gatehouse audit checkpoint --out <file>):
                     check that the log only grew since then and was not rewritten
  --allow-unsigned   Accept entries after the last signed checkpoint (they fail the check
                     otherwise); the output still counts them as not covered by a signature
  --json             Print the whole report as JSON
  --progress         Report progress on stderr every ${PROGRESS_EVERY.toLocaleString("en-US")} entries (default: only on a terminal)

Without --key, the signatures are checked with the keys inside the bundle, and a warning says so:
whoever could alter the bundle could have replaced those keys too. Compare them with keys you got
another way (gatehouse audit keys, your own records), and pass those with --key.

Only what a signed checkpoint covers is valid. Entries after the last one (a log can grow between
its checkpoints, and anyone who can edit the file can append lines) make the check fail, with their
count and seqs; with --allow-unsigned the signed part is checked and they are listed as unsigned.

Output:  ✓ valid: N entries, M checkpoints, tree size S, root R (keys from …)
    or:  ✗ invalid at line L (entry seq K): what is wrong
    and with --allow-unsigned, when the bundle goes past its last checkpoint:
         ✓ valid up to tree size S: … (keys from …)
         ⚠ not covered by a signature: U entries (seq S–T) …

Exit status: 0 valid, 1 invalid, 2 the command line was wrong or a file could not be read.
`;

const AUDIT_HELP = `Usage: gatehouse audit <export|checkpoint|keys|verify|proof> [options]

Commands:
  export [--out <file>] [--format jsonl|csv]   Download the log as a bundle to verify offline
  checkpoint [--out <file>]                     Save a signed checkpoint for a later verify --since
  keys [--json]                                 Print the org's checkpoint verifier keys
  verify [--json]                               Ask the server to recompute and check its log
  proof <entry> [--key <vkey>]...               Print an entry's inclusion proof, checked here

Any key of the org works; an agent's key sees its own agent's entries.
To check the log without trusting the server: gatehouse verify (offline).
Run gatehouse audit <command> --help for details.
`;

const AUDIT_EXPORT_HELP = `Usage: gatehouse audit export [--out <file>] [--format jsonl|csv] [--from <time>] [--to <time>] [--agent <id>] [--type <type>]

Downloads the audit log, streamed (any size, constant memory), to <file> or standard output.
jsonl (the default) is a bundle anyone can check offline with gatehouse verify: the verifier keys,
every entry's canonical text and leaf hash, and the signed checkpoints. With a filter, each entry
carries its inclusion proof instead. csv is the same entries for a spreadsheet, unsigned.

Options:
  --out <file>       Write to <file> (removed again if the download breaks). Default: stdout
  --format <format>  jsonl (default) or csv
  --from <time>      Only entries written at or after <time> (ISO 8601, e.g. 2025-06-01T00:00:00Z)
  --to <time>        Only entries written at or before <time>
  --agent <id>       Only this agent's entries
  --type <type>      Only entries of this type, e.g. action.denied

${AUDIT_CONNECTION_OPTIONS}
`;

const AUDIT_CHECKPOINT_HELP = `Usage: gatehouse audit checkpoint [--out <file>] [--json]

Gets a checkpoint of the audit log as it is now, signed by the org's key, and prints the signed
note (or saves it to <file>). Keep it: later, gatehouse verify <bundle> --since <file> checks that
the log only grew since then, and no entry before it was changed or removed.

Options:
  --out <file>       Save the note to <file>. Default: stdout
  --json             The whole checkpoint as JSON ({ treeSize, rootHash, note, keyId, createdAt })

${AUDIT_CONNECTION_OPTIONS}
`;

const AUDIT_KEYS_HELP = `Usage: gatehouse audit keys [--json]

Prints the org's checkpoint verifier keys, one per line, retired ones included (old checkpoints
verify with them). Save them where the log's keepers cannot change them, and check bundles with
them: gatehouse audit keys > keys.txt, then gatehouse verify <bundle> --key @keys.txt.

Options:
  --json             The keys as JSON ({ keys: [{ id, vkey, status, createdAt, retiredAt }] })

${AUDIT_CONNECTION_OPTIONS}
`;

const AUDIT_VERIFY_HELP = `Usage: gatehouse audit verify [--json]

Asks the server to recompute the org's audit log from its stored rows: every leaf hash, the hash
chain, the Merkle tree against every signed checkpoint, and the signatures. This trusts the
server's code; to check without trusting it, export the log and run gatehouse verify.

Options:
  --json             The server's answer as JSON

${AUDIT_CONNECTION_OPTIONS}

Exit status: 0 valid, 1 invalid or the call failed, 2 the command line was wrong.
`;

const AUDIT_PROOF_HELP = `Usage: gatehouse audit proof <entry> [--tree-size <n>] [--key <vkey>|--key @<file>]... [--json]

Gets the inclusion proof of one entry (its id, aud_…, or its seq) and checks it on this machine:
the audit path must lead from the entry's leaf hash to the tree's root, and the root must be that
of a checkpoint signed by one of the keys (default: the org's, fetched from the server).

Options:
  --tree-size <n>    Prove it in the tree of size <n>. Default: the whole log now
  --key <vkey>       Check the checkpoint with this key instead of the server's; repeatable
  --key @<file>      ... or with the keys in <file>, one per line
  --json             The proof and the check as JSON

${AUDIT_CONNECTION_OPTIONS}

Exit status: 0 verified, 1 not verified or the call failed, 2 the command line was wrong.
`;

const APPROVAL_STATUSES: ReadonlyArray<ApprovalStatus | "all"> = ["pending", "approved", "denied", "expired", "cancelled", "all"];

function isApprovalStatus(value: string): value is ApprovalStatus | "all" {
  return (APPROVAL_STATUSES as readonly string[]).includes(value);
}

interface ParsedArgs {
  positionals: string[];
  /** Each flag given, with its last value. */
  flags: Map<string, string | true>;
  /** Every value of each value flag, in order (for those that may repeat, like --key). */
  repeated: Map<string, string[]>;
}

/** Every option of every command, for `node:util`'s parser; each command then refuses the ones it does not take. */
const OPTIONS = {
  "api-key": { type: "string", multiple: true },
  "base-url": { type: "string", multiple: true },
  format: { type: "string", multiple: true },
  status: { type: "string", multiple: true },
  limit: { type: "string", multiple: true },
  cursor: { type: "string", multiple: true },
  reason: { type: "string", multiple: true },
  since: { type: "string", multiple: true },
  key: { type: "string", multiple: true },
  out: { type: "string", multiple: true },
  from: { type: "string", multiple: true },
  to: { type: "string", multiple: true },
  agent: { type: "string", multiple: true },
  type: { type: "string", multiple: true },
  "tree-size": { type: "string", multiple: true },
  role: { type: "string", multiple: true },
  slug: { type: "string", multiple: true },
  "expires-in-days": { type: "string", multiple: true },
  description: { type: "string", multiple: true },
  label: { type: "string", multiple: true },
  name: { type: "string", multiple: true },
  confirm: { type: "string", multiple: true },
  "approval-timeout": { type: "string", multiple: true },
  "failure-threshold": { type: "string", multiple: true },
  "window-seconds": { type: "string", multiple: true },
  "cooldown-seconds": { type: "string", multiple: true },
  days: { type: "string", multiple: true },
  pack: { type: "string", multiple: true },
  "dry-run": { type: "boolean" },
  help: { type: "boolean", short: "h" },
  json: { type: "boolean" },
  version: { type: "boolean" },
  progress: { type: "boolean" },
  "allow-unsigned": { type: "boolean" },
} as const;

/** The command line as node:util's parser reads it; a mistake in it is a {@link UsageError}. */
function tokensOf(argv: readonly string[]) {
  try {
    return parseCommandLine({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: true, tokens: true }).tokens;
  } catch (error) {
    throw new UsageError(commandLineMistake(error));
  }
}

function parseArgs(argv: readonly string[]): ParsedArgs {
  const tokens = tokensOf(argv);
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  const repeated = new Map<string, string[]>();
  for (const token of tokens) {
    if (token.kind === "positional") positionals.push(token.value);
    if (token.kind !== "option") continue;
    const name = `--${token.name}`;
    if (token.value === undefined) {
      flags.set(name, true);
      continue;
    }
    if (token.value === "") throw new UsageError(`${name} needs a value`);
    flags.set(name, token.value);
    repeated.set(name, [...(repeated.get(name) ?? []), token.value]);
  }
  return { positionals, flags, repeated };
}

/** The parser's complaint, said the way the rest of the CLI says things. */
function commandLineMistake(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const option = /'(-[^' ]*)/.exec(message)?.[1] ?? "";
  const code = (error as { code?: unknown }).code;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `unknown option ${option}`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") return /does not take an argument/.test(message) ? `${option} takes no value` : `${option} needs a value`;
  return message;
}

/** Runs the CLI; resolves with the exit status. Never throws for a user's mistake or a failed call. */
export async function main(context: CliContext): Promise<number> {
  const { stderr } = context;
  try {
    return await run(context);
  } catch (error) {
    if (error instanceof UsageError) {
      stderr(`error: ${error.message}\nRun gatehouse --help for usage.\n`);
      return EXIT_USAGE;
    }
    if (error instanceof GatehouseError) {
      stderr(`error: ${describe(error)}\n`);
      return EXIT_FAILURE;
    }
    stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILURE;
  }
}

async function run(given: CliContext): Promise<number> {
  let context = given;
  const { positionals, flags, repeated } = parseArgs(context.argv);
  const [group, command, ...rest] = positionals;
  const help = flags.has("--help");

  if (flags.has("--version")) {
    context.stdout(`${VERSION}\n`);
    return EXIT_OK;
  }
  if (group === undefined || group === "help") {
    (help || group === "help" ? context.stdout : context.stderr)(MAIN_HELP);
    return help || group === "help" ? EXIT_OK : EXIT_USAGE;
  }
  if (group === "login" || group === "logout") {
    if (help) return printed(context, group === "login" ? LOGIN_HELP : LOGOUT_HELP);
    allowOnly(flags, [], group, { connection: group === "login" });
    if (command !== undefined) throw new UsageError(`unexpected argument "${command}"`);
    return group === "login" ? login(context, flags) : logout(context);
  }
  // verify and policies test run offline: no key, no credentials file.
  if (!help && group !== "verify" && !(group === "policies" && command === "test")) context = { ...context, saved: await savedCredentials(context, flags) };
  switch (group) {
    case "policies":
      return runPolicies(context, flags, command, rest);
    case "approvals":
      return runApprovals(context, flags, command, rest);
    case "tail": {
      if (help) return printed(context, TAIL_HELP);
      allowOnly(flags, ["--since", "--json"], "tail");
      if (command !== undefined) throw new UsageError(`unexpected argument "${command}"`);
      return tail(context, flags);
    }
    case "verify": {
      if (help) return printed(context, VERIFY_HELP);
      allowOnly(flags, ["--key", "--since", "--allow-unsigned", "--json", "--progress"], "verify", { connection: false });
      const file = command;
      if (file === undefined) throw new UsageError("verify needs a bundle file: gatehouse verify <bundle.jsonl>");
      if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
      return verifyFile(auditIo(context), {
        file,
        keyArgs: repeated.get("--key") ?? [],
        sinceFile: flagValue(flags, "--since"),
        allowUnsigned: flags.has("--allow-unsigned"),
        json: flags.has("--json"),
        progress: flags.has("--progress"),
      });
    }
    case "audit":
      return runAudit(context, flags, repeated, command, rest);
    case "members":
      return runMembers(membersIo(context, flags), command, rest);
    case "invitations":
      return runInvitations(membersIo(context, flags), command, rest);
    case "org":
      return runOrg(membersIo(context, flags), command, rest);
    case "settings":
      return runSettings(membersIo(context, flags), command, rest);
    case "agents":
      return runAgents(agentsIo(context, flags, repeated), command, rest);
    case "keys":
      return runKeys(agentsIo(context, flags, repeated), command, rest);
    case "delegations":
      return runDelegations(agentsIo(context, flags, repeated), command, rest);
    case "posture":
      if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
      return runPosture(
        { client: () => anyKeyClient(context, flags), stdout: context.stdout, signal: context.signal, flags, allowOnly: (allowed, name) => allowOnly(flags, allowed, name) },
        command,
      );
    default:
      throw new UsageError(`unknown command "${group}"`);
  }
}

async function runPolicies(context: CliContext, flags: ParsedArgs["flags"], command: string | undefined, rest: string[]): Promise<number> {
  const help = flags.has("--help");
  if (command === undefined) {
    (help ? context.stdout : context.stderr)(POLICIES_HELP);
    return help ? EXIT_OK : EXIT_USAGE;
  }

  switch (command) {
    case "apply": {
      if (help) return printed(context, APPLY_HELP);
      allowOnly(flags, ["--dry-run"], "policies apply");
      const [file, ...extra] = rest;
      if (file === undefined) throw new UsageError("policies apply needs a file: gatehouse policies apply <file>");
      if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
      return applyPolicies(context, flags, file);
    }
    case "export": {
      if (help) return printed(context, EXPORT_HELP);
      allowOnly(flags, ["--format"], "policies export");
      if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
      const format = flags.get("--format") ?? "json";
      if (format !== "json" && format !== "yaml") throw new UsageError(`--format must be json or yaml, not "${String(format)}"`);
      return exportPolicies(context, flags, format);
    }
    case "test": {
      if (help) return printed(context, POLICIES_TEST_HELP);
      allowOnly(flags, ["--json"], "policies test", { connection: false });
      const [file, ...extra] = rest;
      if (file === undefined) throw new UsageError("policies test needs a file: gatehouse policies test <file>");
      if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
      const policyFile = await loadPolicyFile(context, file);
      return policyFile === undefined ? EXIT_FAILURE : testPolicyFile(context, file, policyFile, flags.has("--json"));
    }
    case "simulate": {
      if (help) return printed(context, POLICIES_SIMULATE_HELP);
      allowOnly(flags, ["--days", "--json"], "policies simulate");
      const [file, ...extra] = rest;
      if (file === undefined) throw new UsageError("policies simulate needs a file: gatehouse policies simulate <file>");
      if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
      const days = parseDays(flags.get("--days"));
      const admin = adminClient(context, flags);
      const policyFile = await loadPolicyFile(context, file);
      if (policyFile === undefined) return EXIT_FAILURE;
      try {
        return await simulatePolicyFile(
          { ...context, simulate: (policies, options) => admin.policies.simulate(policies, { ...options, signal: context.signal }) },
          policyFile,
          days,
          flags.has("--json"),
        );
      } catch (error) {
        if (!(error instanceof BadRequestError)) throw error;
        context.stderr(rejection(file, error, policyFile));
        return EXIT_FAILURE;
      }
    }
    case "monitor":
      return runPolicyMonitor(
        { client: () => adminClient(context, flags), stdout: context.stdout, signal: context.signal, flags, allowOnly: (allowed, name) => allowOnly(flags, allowed, name) },
        rest,
      );
    case "library":
      return runPolicyLibrary(
        { client: () => adminClient(context, flags), stdout: context.stdout, signal: context.signal, flags, allowOnly: (allowed, name) => allowOnly(flags, allowed, name) },
        rest,
      );
    case "versions": {
      if (help) return printed(context, VERSIONS_HELP);
      allowOnly(flags, ["--json"], "policies versions");
      const [name, ...extra] = rest;
      if (name === undefined) throw new UsageError("policies versions needs a policy name: gatehouse policies versions <name>");
      if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
      const list = await adminClient(context, flags).policies.versions(name, { signal: context.signal });
      context.stdout(flags.has("--json") ? `${JSON.stringify(list, null, 2)}\n` : formatPolicyVersions(list));
      return EXIT_OK;
    }
    default:
      throw new UsageError(`unknown command "policies ${command}"`);
  }
}

async function runApprovals(context: CliContext, flags: ParsedArgs["flags"], command: string | undefined, rest: string[]): Promise<number> {
  const help = flags.has("--help");
  if (command === undefined) {
    (help ? context.stdout : context.stderr)(APPROVALS_HELP);
    return help ? EXIT_OK : EXIT_USAGE;
  }

  switch (command) {
    case "list": {
      if (help) return printed(context, APPROVALS_LIST_HELP);
      allowOnly(flags, ["--status", "--limit", "--cursor", "--json"], "approvals list");
      if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
      const status = flagValue(flags, "--status") ?? "pending";
      if (!isApprovalStatus(status)) throw new UsageError(`--status must be one of ${APPROVAL_STATUSES.join(", ")}, not "${status}"`);
      const limitText = flagValue(flags, "--limit");
      const limit = limitText === undefined ? undefined : Number(limitText);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UsageError(`--limit must be a whole number ≥ 1, not "${limitText}"`);
      return listApprovals(context, flags, status, limit);
    }
    case "approve":
    case "deny": {
      if (help) return printed(context, voteHelp(command));
      allowOnly(flags, ["--reason"], `approvals ${command}`);
      const [id, ...more] = rest;
      if (id === undefined) throw new UsageError(`approvals ${command} needs an approval id: gatehouse approvals ${command} <id> [<id>…]`);
      if (more.length === 0) return vote(context, flags, command, id);
      if (rest.length > MAX_BULK_VOTES) throw new UsageError(`approvals ${command} takes at most ${MAX_BULK_VOTES} ids at once, not ${rest.length}`);
      return voteMany(context, flags, command, rest);
    }
    default:
      throw new UsageError(`unknown command "approvals ${command}"`);
  }
}

async function runAudit(context: CliContext, flags: ParsedArgs["flags"], repeated: ParsedArgs["repeated"], command: string | undefined, rest: string[]): Promise<number> {
  const help = flags.has("--help");
  if (command === undefined) {
    (help ? context.stdout : context.stderr)(AUDIT_HELP);
    return help ? EXIT_OK : EXIT_USAGE;
  }
  const noArguments = (): void => {
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  };
  const io = auditIo(context);
  switch (command) {
    case "export": {
      if (help) return printed(context, AUDIT_EXPORT_HELP);
      allowOnly(flags, ["--out", "--format", "--from", "--to", "--agent", "--type"], "audit export");
      noArguments();
      const format = flagValue(flags, "--format") ?? "jsonl";
      if (format !== "jsonl" && format !== "csv") throw new UsageError(`--format must be jsonl or csv, not "${format}"`);
      const options = {
        out: flagValue(flags, "--out"),
        format,
        from: timeFlag(flags, "--from"),
        to: timeFlag(flags, "--to"),
        agentId: flagValue(flags, "--agent"),
        type: flagValue(flags, "--type"),
      } as const;
      return exportLog(io, anyKeyClient(context, flags).audit, options);
    }
    case "checkpoint": {
      if (help) return printed(context, AUDIT_CHECKPOINT_HELP);
      allowOnly(flags, ["--out", "--json"], "audit checkpoint");
      noArguments();
      return saveCheckpoint(io, anyKeyClient(context, flags).audit, { out: flagValue(flags, "--out"), json: flags.has("--json") });
    }
    case "keys": {
      if (help) return printed(context, AUDIT_KEYS_HELP);
      allowOnly(flags, ["--json"], "audit keys");
      noArguments();
      return printKeys(io, anyKeyClient(context, flags).audit, { json: flags.has("--json") });
    }
    case "verify": {
      if (help) return printed(context, AUDIT_VERIFY_HELP);
      allowOnly(flags, ["--json"], "audit verify");
      noArguments();
      return serverVerify(io, anyKeyClient(context, flags).audit, { json: flags.has("--json") });
    }
    case "proof": {
      if (help) return printed(context, AUDIT_PROOF_HELP);
      allowOnly(flags, ["--tree-size", "--key", "--json"], "audit proof");
      const [entry, ...extra] = rest;
      if (entry === undefined) throw new UsageError("audit proof needs an entry: gatehouse audit proof <aud_…|seq>");
      if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
      const sizeText = flagValue(flags, "--tree-size");
      const treeSize = sizeText === undefined ? undefined : Number(sizeText);
      if (treeSize !== undefined && (!Number.isSafeInteger(treeSize) || treeSize < 1)) throw new UsageError(`--tree-size must be a whole number ≥ 1, not "${sizeText}"`);
      return printProof(io, anyKeyClient(context, flags).audit, { entry, treeSize, keyArgs: repeated.get("--key") ?? [], json: flags.has("--json") });
    }
    default:
      throw new UsageError(`unknown command "audit ${command}"`);
  }
}

/** What the members, invitations and org commands need of the context. */
function membersIo(context: CliContext, flags: ParsedArgs["flags"]): MembersCliIo {
  return {
    admin: () => adminClient(context, flags),
    stdout: context.stdout,
    stderr: context.stderr,
    signal: context.signal,
    flags,
    allowOnly: (allowed, command) => allowOnly(flags, allowed, command),
    connectionHelp: CONNECTION_OPTIONS,
  };
}

/** What the agents and keys commands need of the context: the members commands' needs, every --label, the clock. */
function agentsIo(context: CliContext, flags: ParsedArgs["flags"], repeated: ParsedArgs["repeated"]): AgentsCliIo {
  return { ...membersIo(context, flags), repeated, now: context.now ?? Date.now };
}

/** What the audit commands need of the context. */
function auditIo(context: CliContext): AuditCliIo {
  return {
    stdout: context.stdout,
    stderr: context.stderr,
    readFile: context.readFile ?? ((path: string) => readFileFromDisk(path, "utf8")),
    stderrIsTTY: context.stderrIsTTY ?? false,
    stdoutStream: context.stdoutStream,
    signal: context.signal,
  };
}

/** A time flag as ISO 8601: a date or a date and time the server accepts; anything else is a usage mistake. */
function timeFlag(flags: ParsedArgs["flags"], name: string): string | undefined {
  const value = flagValue(flags, name);
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) throw new UsageError(`${name} must be an ISO 8601 time, e.g. 2025-06-01T00:00:00Z, not "${value}"`);
  return new Date(ms).toISOString();
}

function printed(context: CliContext, text: string): number {
  context.stdout(text);
  return EXIT_OK;
}

/** Rejects command-specific flags given to the wrong command, and the connection flags to a command that connects to nothing. */
function allowOnly(flags: ParsedArgs["flags"], allowed: readonly string[], command: string, { connection = true } = {}): void {
  const ok = new Set([...(connection ? ["--api-key", "--base-url"] : []), ...allowed]);
  for (const name of flags.keys()) {
    if (!ok.has(name)) throw new UsageError(`${command} does not take ${name}`);
  }
}

function adminClient(context: CliContext, flags: ParsedArgs["flags"]): GatehouseAdmin {
  return makeClient(context, flags, "gh_admin_…", (options) => new GatehouseAdmin(options));
}

/** For `tail` and `audit`, which take any key of the org: an admin key sees the whole org, an agent key its agent. */
function anyKeyClient(context: CliContext, flags: ParsedArgs["flags"]): Gatehouse | GatehouseAdmin {
  return makeClient(context, flags, "gh_admin_… (or an agent's gh_… key)", (options) =>
    options.apiKey.startsWith("gh_admin_") ? new GatehouseAdmin(options) : new Gatehouse(options),
  );
}

/** A client on the key and base URL of the flags, else the environment, else the credentials file (gatehouse login). */
function makeClient<C>(context: CliContext, flags: ParsedArgs["flags"], keyHint: string, create: (options: GatehouseOptions) => C): C {
  const apiKey = flagValue(flags, "--api-key") ?? (context.env.GATEHOUSE_API_KEY || undefined) ?? context.saved?.apiKey;
  if (apiKey === undefined || apiKey === "") {
    throw new UsageError(`no API key: pass --api-key ${keyHint}, set GATEHOUSE_API_KEY or run gatehouse login`);
  }
  const baseUrl = flagValue(flags, "--base-url") ?? (context.env.GATEHOUSE_BASE_URL || undefined) ?? context.saved?.baseUrl;
  try {
    return create({ apiKey, fetch: context.fetch, ...(baseUrl === undefined ? {} : { baseUrl }) });
  } catch (error) {
    // A malformed key or URL: the options are wrong, not the call.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * The credentials file's contents when the flags and the environment leave the key or the base URL
 * open (null without a file); the file is not read otherwise, so a broken one stops only the commands
 * that would use it.
 */
async function savedCredentials(context: CliContext, flags: ParsedArgs["flags"]): Promise<Credentials | null> {
  if (context.saved !== undefined) return context.saved;
  const keyGiven = flagValue(flags, "--api-key") !== undefined || Boolean(context.env.GATEHOUSE_API_KEY);
  const urlGiven = flagValue(flags, "--base-url") !== undefined || Boolean(context.env.GATEHOUSE_BASE_URL);
  const path = credentialsPath(context.env);
  if ((keyGiven && urlGiven) || path === undefined) return null;
  // A file that is there but unreadable or not ours: CredentialsFileError, exit status 1 saying which.
  return readCredentials(path);
}

const LOGIN_HELP = `Usage: gatehouse login [--api-key <key>] [--base-url <url>]

Checks an org admin key with the server (whoami) and saves it, with the base URL, for the other
commands: in $XDG_CONFIG_HOME/gatehouse/credentials.json, else ~/.config/gatehouse/credentials.json
(readable by you only). The key is never printed. Without --api-key, it is read from stdin: piped
in (echo "$KEY" | gatehouse login), or typed at a prompt that does not show it.

Every command then takes its key from --api-key, else $GATEHOUSE_API_KEY, else the saved one; and
its base URL from --base-url, else $GATEHOUSE_BASE_URL, else the saved one.

Options:
  --api-key <key>    Org admin key (gh_admin_…); a member issues one on the console's Keys page
  --base-url <url>   Where the Gatehouse API listens. Default: $GATEHOUSE_BASE_URL, else ${DEFAULT_BASE_URL}

Exit status: 0 saved, 1 the server refused the key (nothing is saved), 2 the command line was wrong.
`;

const LOGOUT_HELP = `Usage: gatehouse logout

Removes the credentials file gatehouse login wrote. The key itself keeps working until it expires or
is revoked (console: Keys).
`;

async function login(context: CliContext, flags: ParsedArgs["flags"]): Promise<number> {
  const path = credentialsPath(context.env);
  if (path === undefined) throw new UsageError("nowhere to save the credentials: set HOME or XDG_CONFIG_HOME");
  let apiKey = flagValue(flags, "--api-key");
  if (apiKey === undefined) {
    if (!context.readSecret) throw new UsageError("login needs a key: pass --api-key <key> or pipe it in");
    apiKey = await context.readSecret("Admin key (gh_admin_…): ");
  }
  if (apiKey === "") throw new UsageError("no key given: pass --api-key <key> or pipe it in");
  const baseUrl = flagValue(flags, "--base-url") ?? (context.env.GATEHOUSE_BASE_URL || DEFAULT_BASE_URL);
  let admin: GatehouseAdmin;
  try {
    admin = new GatehouseAdmin({ apiKey, baseUrl, fetch: context.fetch });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  // A refused key (401), or no server there, is a GatehouseError: exit status 1, nothing written.
  const me = await admin.whoami({ signal: context.signal });
  await writeCredentials(path, { apiKey, baseUrl });
  const who = me.member ? ` as ${me.member.email} (${me.member.role})` : "";
  context.stdout(`Logged in to ${me.org.name} (${me.org.slug}) at ${baseUrl}${who}.\nSaved to ${path}.\n`);
  return EXIT_OK;
}

async function logout(context: CliContext): Promise<number> {
  const path = credentialsPath(context.env);
  if (path === undefined) throw new UsageError("no credentials file: neither HOME nor XDG_CONFIG_HOME is set");
  context.stdout((await removeCredentials(path)) ? `Removed ${path}.\n` : `Not logged in (no ${path}).\n`);
  return EXIT_OK;
}

function flagValue(flags: ParsedArgs["flags"], name: string): string | undefined {
  const value = flags.get(name);
  return typeof value === "string" ? value : undefined;
}

/** Reads and parses a policy file; on failure prints why (with the line when known) and answers undefined. */
async function loadPolicyFile(context: CliContext, file: string): Promise<PolicyFile | undefined> {
  const readFile = context.readFile ?? ((path: string) => readFileFromDisk(path, "utf8"));
  let text: string;
  try {
    text = await readFile(file);
  } catch (error) {
    context.stderr(`error: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}\n`);
    return undefined;
  }
  try {
    return readPolicyFile(file, text);
  } catch (error) {
    if (!(error instanceof PolicyFileError)) throw error;
    const where = error.line === undefined ? "" : `:${error.line}${error.column === undefined ? "" : `:${error.column}`}`;
    context.stderr(`error: ${file}${where}: ${error.message}\n`);
    return undefined;
  }
}

async function applyPolicies(context: CliContext, flags: ParsedArgs["flags"], file: string): Promise<number> {
  const admin = adminClient(context, flags);
  const policyFile = await loadPolicyFile(context, file);
  if (policyFile === undefined) return EXIT_FAILURE;
  const dryRun = flags.has("--dry-run");
  let diff: PolicySetDiff;
  try {
    // The server validates every document and runs the file's tests, and answers 400 with the paths of what is wrong.
    const tests = policyFile.tests === undefined ? {} : { tests: policyFile.tests as PolicyTestCaseInput[] };
    diff = await admin.policies.apply(policyFile.policies as PolicyDocument[], { dryRun, ...tests, signal: context.signal });
  } catch (error) {
    if (!(error instanceof BadRequestError)) throw error;
    context.stderr(rejection(file, error, policyFile));
    return EXIT_FAILURE;
  }
  context.stdout(formatDiff(diff));
  return EXIT_OK;
}

async function exportPolicies(context: CliContext, flags: ParsedArgs["flags"], format: PolicyFileFormat): Promise<number> {
  const admin = adminClient(context, flags);
  const { policies, tests } = await admin.policies.list({ signal: context.signal });
  context.stdout(formatPolicyFile(policies, format, tests));
  return EXIT_OK;
}

async function listApprovals(context: CliContext, flags: ParsedArgs["flags"], status: ApprovalStatus | "all", limit: number | undefined): Promise<number> {
  const admin = adminClient(context, flags);
  const page = await admin.approvals.list({ status, limit, cursor: flagValue(flags, "--cursor"), signal: context.signal });
  if (flags.has("--json")) {
    context.stdout(`${JSON.stringify(page, null, 2)}\n`);
    return EXIT_OK;
  }
  if (page.approvals.length === 0) {
    context.stdout(status === "all" ? "No approvals.\n" : `No ${status} approvals.\n`);
    return EXIT_OK;
  }
  const rows = page.approvals.map((a) => [a.id, requester(a), a.actionType, a.status, `${a.approvals}/${a.quorum}`, shortTime(a.expiresAt)]);
  context.stdout(table(["ID", "AGENT", "ACTION", "STATUS", "QUORUM", "EXPIRES"], rows));
  if (page.nextCursor !== null) {
    context.stdout(`More: gatehouse approvals list --status ${status}${limit === undefined ? "" : ` --limit ${limit}`} --cursor ${page.nextCursor}\n`);
  }
  return EXIT_OK;
}

async function vote(context: CliContext, flags: ParsedArgs["flags"], decision: "approve" | "deny", approvalId: string): Promise<number> {
  const admin = adminClient(context, flags);
  const options = { reason: flagValue(flags, "--reason"), signal: context.signal };
  const approval = decision === "approve" ? await admin.approvals.approve(approvalId, options) : await admin.approvals.deny(approvalId, options);
  context.stdout(`${describeVote(approval)}\n`);
  return EXIT_OK;
}

/** The most ids one bulk vote takes (the API's limit). */
const MAX_BULK_VOTES = 1000;

/** One vote on several approvals (POST /v1/admin/approvals/decision): a line per id; exit 1 if any vote was refused. */
async function voteMany(context: CliContext, flags: ParsedArgs["flags"], decision: "approve" | "deny", approvalIds: string[]): Promise<number> {
  const admin = adminClient(context, flags);
  const { results } = await admin.approvals.decideMany(approvalIds, decision, { reason: flagValue(flags, "--reason"), signal: context.signal });
  let refused = 0;
  for (const result of results) {
    if ("error" in result) {
      refused += 1;
      context.stderr(`${result.approvalId}: refused (${result.error.code}): ${result.error.message}\n`);
    } else {
      context.stdout(`${result.approvalId}: ${result.status}\n`);
    }
  }
  if (refused > 0) context.stderr(`${refused} of ${results.length} votes refused.\n`);
  return refused > 0 ? EXIT_FAILURE : EXIT_OK;
}

/** The agent that asked; for a delegate, with the agents that delegated to it, root first: `reader-2 (delegated by build-agent > reader)`. */
function requester(approval: Approval): string {
  const agent = approval.agentName || approval.agentId;
  const above = approval.delegation?.chain.slice(0, -1) ?? [];
  return above.length === 0 ? agent : `${agent} (delegated by ${above.join(" > ")})`;
}

/** What the vote did, from the approval it answers. */
function describeVote(approval: Approval): string {
  const what = `${approval.actionType} by ${requester(approval)}`;
  const count = `${approval.approvals}/${approval.quorum} approvals`;
  switch (approval.status) {
    case "approved":
      return `Approved ${approval.id} (${what}, ${count}): the action goes ahead.`;
    case "pending":
      return `Vote recorded on ${approval.id} (${what}): ${count}, waiting for more.`;
    case "denied":
      return `Denied ${approval.id} (${what}).`;
    default:
      return `${approval.id} (${what}) is ${approval.status}.`;
  }
}

async function tail(context: CliContext, flags: ParsedArgs["flags"]): Promise<number> {
  const client = anyKeyClient(context, flags);
  const json = flags.has("--json");
  context.stderr("Waiting for events (Ctrl-C to stop)…\n");
  for await (const event of client.subscribe({ lastEventId: flagValue(flags, "--since"), signal: context.signal })) {
    if (json) context.stdout(`${JSON.stringify(event)}\n`);
    else if (event.type === "replay.truncated") context.stderr(formatTruncated(event));
    else context.stdout(formatEvent(event));
  }
  return EXIT_OK;
}

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
  ].filter((fact) => fact !== undefined);
  return `${shortTime(data.at)}  #${event.id}  ${event.type}  ${data.actionType ?? "-"}  ${facts.join(" ")}\n`;
}

/** `+ a v1`, `~ b v1 → v2`, `- c v3`, `= 2 unchanged`, then the counts. */
function formatDiff(diff: PolicySetDiff): string {
  const lines: string[] = [];
  if (diff.dryRun) lines.push("Dry run: nothing was changed. Applying would make these changes:");
  for (const p of diff.created) lines.push(`+ ${p.name} v${p.version}`);
  for (const p of diff.updated) lines.push(`~ ${p.name} v${p.previousVersion} → v${p.version}`);
  for (const p of diff.archived) lines.push(`- ${p.name} v${p.version}`);
  if (diff.unchanged.length > 0) lines.push(`= ${diff.unchanged.length} unchanged`);
  const counts = `${diff.created.length} created, ${diff.updated.length} updated, ${diff.archived.length} archived, ${diff.unchanged.length} unchanged`;
  lines.push(diff.dryRun ? `Would apply: ${counts}.` : `Applied: ${counts}.`);
  return `${lines.join("\n")}\n`;
}

interface Issue {
  path: string;
  message: string;
}

function issuesOf(details: unknown): Issue[] {
  if (typeof details !== "object" || details === null) return [];
  const issues = (details as { issues?: unknown }).issues;
  if (!Array.isArray(issues)) return [];
  return issues.flatMap((issue: unknown) => {
    if (typeof issue !== "object" || issue === null) return [];
    const { path, message } = issue as { path?: unknown; message?: unknown };
    return typeof message === "string" ? [{ path: typeof path === "string" ? path : "", message }] : [];
  });
}

/** The server's 400, one line per issue with its path and, when the file says, its line. */
function rejection(file: string, error: BadRequestError, policyFile: PolicyFile): string {
  const issues = issuesOf(error.details);
  const id = error.requestId === undefined ? "" : ` (request id ${error.requestId})`;
  if (issues.length === 0) return `error: ${file} was rejected: ${error.message}${id}\n`;
  const lines = issues.map((issue) => {
    const line = policyFile.lineOf(issue.path);
    const where = `${issue.path || "(file)"}${line === undefined ? "" : ` (${file}:${line})`}`;
    return `  ${where}: ${issue.message}`;
  });
  const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
  return `error: ${file} was rejected, ${count}${id}:\n${lines.join("\n")}\n`;
}

function describe(error: GatehouseError): string {
  const facts = [error.status === undefined ? undefined : `status ${error.status}`, error.requestId === undefined ? undefined : `request id ${error.requestId}`].filter(
    (fact) => fact !== undefined,
  );
  return facts.length === 0 ? error.message : `${error.message} (${facts.join(", ")})`;
}
