/** `gatehouse members …`, `gatehouse invitations …`, `gatehouse org …` and `gatehouse settings …`: the org's people, its name and settings, with an admin key. */
import type { GatehouseAdmin, Invitation, Member, MemberRole, Org, OrgSettings, UpdateSettingsRequest } from "@gatehouse/sdk";
import { EXIT_OK, EXIT_USAGE, shortTime, table, UsageError } from "./cli-common.ts";

/** What these commands need of the CLI: a client, output, and the flags given (checked by `allowOnly`). */
export interface MembersCliIo {
  admin: () => GatehouseAdmin;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  signal: AbortSignal | undefined;
  flags: ReadonlyMap<string, string | true>;
  /** Refuses the flags the command does not take (the connection flags are always allowed). */
  allowOnly: (allowed: readonly string[], command: string) => void;
  /** The connection options' help text. */
  connectionHelp: string;
}

/** For help texts only: which roles exist is the server's to say, and it checks every role sent (a 400 naming `role`). */
const ROLE_NAMES = "owner, admin, approver, auditor, viewer";

function roleArgument(value: string | undefined, where: string): MemberRole {
  if (value === undefined || value === "") throw new UsageError(`${where} needs a role: one of ${ROLE_NAMES}`);
  // Passed on as given: the server refuses an unknown role with a 400 naming the field.
  return value as MemberRole;
}

function noMore(rest: readonly string[]): void {
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
}

function stringFlag(io: MembersCliIo, name: string): string | undefined {
  const value = io.flags.get(name);
  return typeof value === "string" ? value : undefined;
}

function group(io: MembersCliIo, help: string): number {
  const asked = io.flags.has("--help");
  (asked ? io.stdout : io.stderr)(help);
  return asked ? EXIT_OK : EXIT_USAGE;
}

function printJson(io: MembersCliIo, value: unknown): number {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
  return EXIT_OK;
}

export const MEMBERS_HELP = `Usage: gatehouse members <list|set-role|remove> [options]

Commands:
  list [--json]                  List the org's members, owners first
  set-role <member-id> <role>    Give a member (mem_…) a new role
  remove <member-id>             Remove a member and revoke their admin keys

Roles, highest first: ${ROLE_NAMES}. A role or a member ranking above yours is out of
reach; the org's last owner can be neither demoted nor removed.
`;

export const INVITATIONS_HELP = `Usage: gatehouse invitations <list|create|revoke> [options]

Commands:
  list [--json]                                           List pending invitations, newest first
  create <email> --role <role> [--expires-in-days <n>]    Invite someone; prints the link to send them
  revoke <invitation-id>                                  Revoke an invitation (inv_…): its link stops working

The link of a new invitation is printed once (only its hash is stored); it works once, and
expires after 7 days unless --expires-in-days (1-30) says otherwise.
`;

export const ORG_HELP = `Usage: gatehouse org <show|rename|close> [options]

Commands:
  show [--json]                     Print the org's id, slug, name and member count
  rename [<name>] [--slug <slug>]   Rename the org, change its slug, or both (owners only)
  close --confirm <slug>            Close the org for good (owners only): type its slug to confirm

Changing the slug changes the console's URLs; API keys keep working. Closing stops every key of
the org (this one too) and cancels its pending approvals; owners can still read and export its
audit log in the console. A closed org cannot be reopened.
`;

export const SETTINGS_HELP = `Usage: gatehouse settings <get|set> [options]

Commands:
  get [--json]                      Print the org's settings
  set [--approval-timeout <seconds>] [--failure-threshold <n>] [--window-seconds <seconds>] [--cooldown-seconds <seconds>] [--json]
                                    Change some settings (owners and admins); the others stay

--approval-timeout is how long an approval waits when its policy sets no timeoutSeconds
(60 to 604800 seconds). The circuit breaker opens after --failure-threshold denials or failures
within --window-seconds and lets a probe through after --cooldown-seconds. While the org's two-admin
rule is on, a change that weakens enforcement (a higher threshold, a shorter window or cooldown) is not
applied yet: it prints the approval another owner or admin must approve.
`;

/** `gatehouse members <command>`. */
export async function runMembers(io: MembersCliIo, command: string | undefined, rest: readonly string[]): Promise<number> {
  if (command === undefined) return group(io, MEMBERS_HELP);
  const help = io.flags.has("--help");
  switch (command) {
    case "list": {
      if (help) return printedHelp(io, "Usage: gatehouse members list [--json]\n\nLists the org's members: role, how they sign in, when they were last active.");
      io.allowOnly(["--json"], "members list");
      noMore(rest);
      const members = await io.admin().members.list({ signal: io.signal });
      if (io.flags.has("--json")) return printJson(io, { members });
      io.stdout(members.length === 0 ? "No members.\n" : table(["ID", "EMAIL", "NAME", "ROLE", "SIGN-IN", "LAST ACTIVE"], members.map(memberRow)));
      return EXIT_OK;
    }
    case "set-role": {
      if (help) return printedHelp(io, `Usage: gatehouse members set-role <member-id> <role>\n\nGives a member (mem_…) a new role: one of ${ROLE_NAMES}.`);
      io.allowOnly([], "members set-role");
      const [id, role, ...extra] = rest;
      if (id === undefined) throw new UsageError("members set-role needs a member id and a role: gatehouse members set-role <member-id> <role>");
      const newRole = roleArgument(role, "members set-role");
      noMore(extra);
      const member = await io.admin().members.update(id, { role: newRole }, { signal: io.signal });
      io.stdout(`${member.email} (${member.id}) is now ${member.role}.\n`);
      return EXIT_OK;
    }
    case "remove": {
      if (help) return printedHelp(io, "Usage: gatehouse members remove <member-id>\n\nRemoves a member (mem_…) from the org and revokes their admin keys.");
      io.allowOnly([], "members remove");
      const [id, ...extra] = rest;
      if (id === undefined) throw new UsageError("members remove needs a member id: gatehouse members remove <member-id>");
      noMore(extra);
      const removed = await io.admin().members.remove(id, { signal: io.signal });
      const keys = removed.revokedKeys.length === 1 ? "1 admin key" : `${removed.revokedKeys.length} admin keys`;
      io.stdout(`Removed ${removed.id}; revoked ${keys}.\n`);
      return EXIT_OK;
    }
    default:
      throw new UsageError(`unknown command "members ${command}"`);
  }
}

/** `gatehouse invitations <command>`. */
export async function runInvitations(io: MembersCliIo, command: string | undefined, rest: readonly string[]): Promise<number> {
  if (command === undefined) return group(io, INVITATIONS_HELP);
  const help = io.flags.has("--help");
  switch (command) {
    case "list": {
      if (help) return printedHelp(io, "Usage: gatehouse invitations list [--json]\n\nLists the org's pending invitations, newest first.");
      io.allowOnly(["--json"], "invitations list");
      noMore(rest);
      const invitations = await io.admin().invitations.list({ signal: io.signal });
      if (io.flags.has("--json")) return printJson(io, { invitations });
      io.stdout(invitations.length === 0 ? "No pending invitations.\n" : table(["ID", "EMAIL", "ROLE", "INVITED BY", "EXPIRES"], invitations.map(invitationRow)));
      return EXIT_OK;
    }
    case "create": {
      if (help) {
        return printedHelp(
          io,
          `Usage: gatehouse invitations create <email> --role <role> [--expires-in-days <n>] [--json]\n\nInvites <email> with <role> (${ROLE_NAMES}; at most your own). The link is emailed to them only.`,
        );
      }
      io.allowOnly(["--role", "--expires-in-days", "--json"], "invitations create");
      const [email, ...extra] = rest;
      if (email === undefined) throw new UsageError("invitations create needs an email: gatehouse invitations create <email> --role <role>");
      noMore(extra);
      const role = roleArgument(stringFlag(io, "--role"), "invitations create (--role)");
      const daysText = stringFlag(io, "--expires-in-days");
      const days = daysText === undefined ? undefined : Number(daysText);
      if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 30))
        throw new UsageError(`--expires-in-days must be a whole number from 1 to 30, not "${daysText}"`);
      const created = await io.admin().invitations.create({ email, role }, { ...(days === undefined ? {} : { expiresInDays: days }), signal: io.signal });
      if (io.flags.has("--json")) return printJson(io, created);
      io.stdout(
        `Invited ${created.invitation.email} as ${created.invitation.role} (${created.invitation.id}), until ${shortTime(created.invitation.expiresAt)}.\n` +
          (created.emailSent ? "We emailed them the link; only they receive it.\n" : "The email could not be sent: revoke the invitation and invite them again once mail works.\n"),
      );
      return EXIT_OK;
    }
    case "revoke": {
      if (help) return printedHelp(io, "Usage: gatehouse invitations revoke <invitation-id>\n\nRevokes an invitation (inv_…): its link stops working.");
      io.allowOnly([], "invitations revoke");
      const [id, ...extra] = rest;
      if (id === undefined) throw new UsageError("invitations revoke needs an invitation id: gatehouse invitations revoke <invitation-id>");
      noMore(extra);
      const revoked = await io.admin().invitations.revoke(id, { signal: io.signal });
      io.stdout(`Revoked the invitation of ${revoked.email} (${revoked.id}).\n`);
      return EXIT_OK;
    }
    default:
      throw new UsageError(`unknown command "invitations ${command}"`);
  }
}

/** `gatehouse org <command>`. */
export async function runOrg(io: MembersCliIo, command: string | undefined, rest: readonly string[]): Promise<number> {
  if (command === undefined) return group(io, ORG_HELP);
  const help = io.flags.has("--help");
  switch (command) {
    case "show": {
      if (help) return printedHelp(io, "Usage: gatehouse org show [--json]\n\nPrints the org's id, slug, name and member count.");
      io.allowOnly(["--json"], "org show");
      noMore(rest);
      const org = await io.admin().org.get({ signal: io.signal });
      if (io.flags.has("--json")) return printJson(io, org);
      io.stdout(formatOrg(org));
      return EXIT_OK;
    }
    case "rename": {
      if (help) return printedHelp(io, "Usage: gatehouse org rename [<name>] [--slug <slug>]\n\nRenames the org, changes its slug, or both (owners only).");
      io.allowOnly(["--slug"], "org rename");
      const [name, ...extra] = rest;
      noMore(extra);
      const slug = stringFlag(io, "--slug");
      if (name === undefined && slug === undefined) throw new UsageError("org rename needs a new name, --slug <slug>, or both: gatehouse org rename <name> [--slug <slug>]");
      const org = await io.admin().org.update({ ...(name === undefined ? {} : { name }), ...(slug === undefined ? {} : { slug }) }, { signal: io.signal });
      io.stdout(`Done. ${formatOrg(org)}`);
      return EXIT_OK;
    }
    case "close": {
      if (help)
        return printedHelp(
          io,
          "Usage: gatehouse org close --confirm <slug>\n\nCloses the org for good (owners only). --confirm must be the org's slug.\nEvery key of the org stops working, this one too; owners keep its audit log in the console.",
        );
      io.allowOnly(["--confirm"], "org close");
      noMore(rest);
      const confirm = stringFlag(io, "--confirm");
      if (confirm === undefined) throw new UsageError("org close needs --confirm <slug>: type the org's slug (gatehouse org show prints it)");
      const closed = await io.admin().org.close({ confirm }, { signal: io.signal });
      const cancelled = closed.cancelledApprovals === 1 ? "1 pending approval" : `${closed.cancelledApprovals} pending approvals`;
      io.stdout(`Closed ${closed.slug} (${closed.id}) at ${closed.closedAt}; cancelled ${cancelled}. Its keys no longer work.\n`);
      return EXIT_OK;
    }
    default:
      throw new UsageError(`unknown command "org ${command}"`);
  }

  function formatOrg(org: Org): string {
    const members = org.memberCount === 1 ? "1 member" : `${org.memberCount} members`;
    return `${org.name} (slug ${org.slug}, ${org.id}), ${members}.\n`;
  }
}

/** `gatehouse settings <command>`. */
export async function runSettings(io: MembersCliIo, command: string | undefined, rest: readonly string[]): Promise<number> {
  if (command === undefined) return group(io, SETTINGS_HELP);
  const help = io.flags.has("--help");
  switch (command) {
    case "get": {
      if (help) return printedHelp(io, "Usage: gatehouse settings get [--json]\n\nPrints the org's circuit-breaker thresholds and default approval timeout.");
      io.allowOnly(["--json"], "settings get");
      noMore(rest);
      const settings = await io.admin().settings.get({ signal: io.signal });
      if (io.flags.has("--json")) return printJson(io, settings);
      io.stdout(formatSettings(settings));
      return EXIT_OK;
    }
    case "set": {
      if (help) return printedHelp(io, SETTINGS_HELP.trimEnd());
      io.allowOnly(["--approval-timeout", "--failure-threshold", "--window-seconds", "--cooldown-seconds", "--json"], "settings set");
      noMore(rest);
      const approvalTimeoutSeconds = intFlag(io, "--approval-timeout");
      const breaker = {
        ...optional("failureThreshold", intFlag(io, "--failure-threshold")),
        ...optional("windowSeconds", intFlag(io, "--window-seconds")),
        ...optional("cooldownSeconds", intFlag(io, "--cooldown-seconds")),
      };
      const changes: UpdateSettingsRequest = {
        ...(approvalTimeoutSeconds === undefined ? {} : { approvalTimeoutSeconds }),
        ...(Object.keys(breaker).length > 0 ? { circuitBreaker: breaker } : {}),
      };
      if (Object.keys(changes).length === 0) throw new UsageError("settings set needs at least one setting, e.g. --approval-timeout 7200");
      const settings = await io.admin().settings.update(changes, { signal: io.signal });
      if (io.flags.has("--json")) return printJson(io, settings);
      if ("status" in settings) {
        const weakened = settings.weakened.map((w) => w.path).join(", ");
        io.stdout(`Not applied yet: this change weakens enforcement (${weakened}) while the two-admin rule is on.\nAnother owner or admin must approve ${settings.approvalId}.\n`);
        return EXIT_OK;
      }
      io.stdout(`Done.\n${formatSettings(settings)}`);
      return EXIT_OK;
    }
    default:
      throw new UsageError(`unknown command "settings ${command}"`);
  }

  function formatSettings(settings: OrgSettings): string {
    const b = settings.circuitBreaker;
    return [
      `Default approval timeout: ${settings.approvalTimeoutSeconds} s`,
      `Circuit breaker: opens after ${b.failureThreshold} denials or failures within ${b.windowSeconds} s; probes after ${b.cooldownSeconds} s`,
      "",
    ].join("\n");
  }
}

/** A whole-number flag; anything else is a usage mistake (the server checks the range, naming the field). */
function intFlag(io: MembersCliIo, name: string): number | undefined {
  const value = stringFlag(io, name);
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) throw new UsageError(`${name} must be a whole number, not "${value}"`);
  return Number(value);
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

function printedHelp(io: MembersCliIo, text: string): number {
  io.stdout(`${text}\n\n${io.connectionHelp}\n`);
  return EXIT_OK;
}

function memberRow(m: Member): string[] {
  return [m.id, m.email, m.name, m.role, m.signInMethods.join(",") || "-", m.lastActiveAt === null ? "never" : shortTime(m.lastActiveAt)];
}

function invitationRow(i: Invitation): string[] {
  return [i.id, i.email, i.role, i.invitedBy?.email ?? "-", shortTime(i.expiresAt)];
}
