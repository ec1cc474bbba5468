/** `gatehouse members …`, `gatehouse invitations …`, `gatehouse org …` and `gatehouse settings …` (its content rules in cli-content.ts): the org's people, its name and settings, with an admin key. */
import type { Invitation, Member, MemberRole, Org, OrgSettings, UpdateSettingsRequest } from "@gatehouse/sdk";
import { EXIT_OK, noMore, printJson, shortTime, table, UsageError, withConnection } from "./cli-common.ts";
import { contentCommands } from "./cli-content.ts";
import { defineCommand, type CommandGroup } from "./command.ts";

/** For help texts only: which roles exist is the server's to say, and it checks every role sent (a 400 naming `role`). */
const ROLE_NAMES = "owner, admin, approver, auditor, viewer";

function roleArgument(value: string | undefined, where: string): MemberRole {
  if (value === undefined || value === "") throw new UsageError(`${where} needs a role: one of ${ROLE_NAMES}`);
  // Passed on as given: the server refuses an unknown role with a 400 naming the field.
  return value as MemberRole;
}

const SETTINGS_NOTES = `--approval-timeout is how long an approval waits when its policy sets no timeoutSeconds
(60 to 604800 seconds). The circuit breaker opens after --failure-threshold denials or failures
within --window-seconds and lets a probe through after --cooldown-seconds. Loop detection
(docs/loops.md) refuses the same call repeated more than --loop-repeats times within --loop-window
seconds; --loops off turns it off, --halt-on-loop on also halts the agent. While the org's two-admin
rule is on, a change that weakens enforcement (a higher threshold or repeat count, a shorter window or
cooldown, a protection turned off) is not applied yet: it prints the approval another owner or admin
must approve.`;

export const membersGroup: CommandGroup = {
  name: "members",
  notes: `Roles, highest first: ${ROLE_NAMES}. A role or a member ranking above yours is out of
reach; the org's last owner can be neither demoted nor removed.`,
  commands: [
    defineCommand({
      name: "list",
      summary: "List the org's members (role, sign-in, last activity)",
      options: { json: { type: "boolean" } },
      connection: "admin",
      help: withConnection("Usage: gatehouse members list [--json]\n\nLists the org's members: role, how they sign in, when they were last active."),
      async run(io, args, options) {
        noMore(args);
        const members = await io.admin().members.list({ signal: io.signal });
        if (options.json) return printJson(io.stdout, { members });
        io.stdout(members.length === 0 ? "No members.\n" : table(["ID", "EMAIL", "NAME", "ROLE", "SIGN-IN", "LAST ACTIVE"], members.map(memberRow)));
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "set-role",
      synopsis: "<id> <role>",
      summary: "Give a member a new role",
      options: {},
      connection: "admin",
      help: withConnection(`Usage: gatehouse members set-role <member-id> <role>\n\nGives a member (mem_…) a new role: one of ${ROLE_NAMES}.`),
      async run(io, args) {
        const [id, role, ...extra] = args;
        if (id === undefined) throw new UsageError("members set-role needs a member id and a role: gatehouse members set-role <member-id> <role>");
        const newRole = roleArgument(role, "members set-role");
        noMore(extra);
        const member = await io.admin().members.update(id, { role: newRole }, { signal: io.signal });
        io.stdout(`${member.email} (${member.id}) is now ${member.role}.\n`);
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "remove",
      synopsis: "<id>",
      summary: "Remove a member and revoke their admin keys",
      options: {},
      connection: "admin",
      help: withConnection("Usage: gatehouse members remove <member-id>\n\nRemoves a member (mem_…) from the org and revokes their admin keys."),
      async run(io, args) {
        const [id, ...extra] = args;
        if (id === undefined) throw new UsageError("members remove needs a member id: gatehouse members remove <member-id>");
        noMore(extra);
        const removed = await io.admin().members.remove(id, { signal: io.signal });
        const keys = removed.revokedKeys.length === 1 ? "1 admin key" : `${removed.revokedKeys.length} admin keys`;
        io.stdout(`Removed ${removed.id}; revoked ${keys}.\n`);
        return EXIT_OK;
      },
    }),
  ],
};

export const invitationsGroup: CommandGroup = {
  name: "invitations",
  notes: `The link of a new invitation is printed once (only its hash is stored); it works once, and
expires after 7 days unless --expires-in-days (1-30) says otherwise.`,
  commands: [
    defineCommand({
      name: "list",
      summary: "List pending invitations",
      options: { json: { type: "boolean" } },
      connection: "admin",
      help: withConnection("Usage: gatehouse invitations list [--json]\n\nLists the org's pending invitations, newest first."),
      async run(io, args, options) {
        noMore(args);
        const invitations = await io.admin().invitations.list({ signal: io.signal });
        if (options.json) return printJson(io.stdout, { invitations });
        io.stdout(invitations.length === 0 ? "No pending invitations.\n" : table(["ID", "EMAIL", "ROLE", "INVITED BY", "EXPIRES"], invitations.map(invitationRow)));
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "create",
      synopsis: "<email> --role <role>",
      summary: "Invite someone; prints the link to send them",
      options: { role: { type: "string" }, "expires-in-days": { type: "string" }, json: { type: "boolean" } },
      connection: "admin",
      help: withConnection(
        `Usage: gatehouse invitations create <email> --role <role> [--expires-in-days <n>] [--json]\n\nInvites <email> with <role> (${ROLE_NAMES}; at most your own). The link is emailed to them only.`,
      ),
      async run(io, args, options) {
        const [email, ...extra] = args;
        if (email === undefined) throw new UsageError("invitations create needs an email: gatehouse invitations create <email> --role <role>");
        noMore(extra);
        const role = roleArgument(options.role, "invitations create (--role)");
        const daysText = options["expires-in-days"];
        const days = daysText === undefined ? undefined : Number(daysText);
        if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 30))
          throw new UsageError(`--expires-in-days must be a whole number from 1 to 30, not "${daysText}"`);
        const created = await io.admin().invitations.create({ email, role }, { ...(days === undefined ? {} : { expiresInDays: days }), signal: io.signal });
        if (options.json) return printJson(io.stdout, created);
        io.stdout(
          `Invited ${created.invitation.email} as ${created.invitation.role} (${created.invitation.id}), until ${shortTime(created.invitation.expiresAt)}.\n` +
            (created.emailSent
              ? "We emailed them the link; only they receive it.\n"
              : "The email could not be sent: revoke the invitation and invite them again once mail works.\n"),
        );
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "revoke",
      synopsis: "<id>",
      summary: "Revoke an invitation",
      options: {},
      connection: "admin",
      help: withConnection("Usage: gatehouse invitations revoke <invitation-id>\n\nRevokes an invitation (inv_…): its link stops working."),
      async run(io, args) {
        const [id, ...extra] = args;
        if (id === undefined) throw new UsageError("invitations revoke needs an invitation id: gatehouse invitations revoke <invitation-id>");
        noMore(extra);
        const revoked = await io.admin().invitations.revoke(id, { signal: io.signal });
        io.stdout(`Revoked the invitation of ${revoked.email} (${revoked.id}).\n`);
        return EXIT_OK;
      },
    }),
  ],
};

function formatOrg(org: Org): string {
  const members = org.memberCount === 1 ? "1 member" : `${org.memberCount} members`;
  return `${org.name} (slug ${org.slug}, ${org.id}), ${members}.\n`;
}

export const orgGroup: CommandGroup = {
  name: "org",
  notes: `Changing the slug changes the console's URLs; API keys keep working. Closing stops every key of
the org (this one too) and cancels its pending approvals; owners can still read and export its
audit log in the console. A closed org cannot be reopened.`,
  commands: [
    defineCommand({
      name: "show",
      summary: "Print the org's name, slug and member count",
      options: { json: { type: "boolean" } },
      connection: "admin",
      help: withConnection("Usage: gatehouse org show [--json]\n\nPrints the org's id, slug, name and member count."),
      async run(io, args, options) {
        noMore(args);
        const org = await io.admin().org.get({ signal: io.signal });
        if (options.json) return printJson(io.stdout, org);
        io.stdout(formatOrg(org));
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "rename",
      synopsis: "[<name>] [--slug <slug>]",
      summary: "Rename the org or change its slug",
      options: { slug: { type: "string" } },
      connection: "admin",
      help: withConnection("Usage: gatehouse org rename [<name>] [--slug <slug>]\n\nRenames the org, changes its slug, or both (owners only)."),
      async run(io, args, options) {
        const [name, ...extra] = args;
        noMore(extra);
        const slug = options.slug;
        if (name === undefined && slug === undefined) throw new UsageError("org rename needs a new name, --slug <slug>, or both: gatehouse org rename <name> [--slug <slug>]");
        const org = await io.admin().org.update({ ...(name === undefined ? {} : { name }), ...(slug === undefined ? {} : { slug }) }, { signal: io.signal });
        io.stdout(`Done. ${formatOrg(org)}`);
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "close",
      synopsis: "--confirm <slug>",
      summary: "Close the org for good (owners only; its keys stop working)",
      options: { confirm: { type: "string" } },
      connection: "admin",
      help: withConnection(
        "Usage: gatehouse org close --confirm <slug>\n\nCloses the org for good (owners only). --confirm must be the org's slug.\nEvery key of the org stops working, this one too; owners keep its audit log in the console.",
      ),
      async run(io, args, options) {
        noMore(args);
        const confirm = options.confirm;
        if (confirm === undefined) throw new UsageError("org close needs --confirm <slug>: type the org's slug (gatehouse org show prints it)");
        const closed = await io.admin().org.close({ confirm }, { signal: io.signal });
        const cancelled = closed.cancelledApprovals === 1 ? "1 pending approval" : `${closed.cancelledApprovals} pending approvals`;
        io.stdout(`Closed ${closed.slug} (${closed.id}) at ${closed.closedAt}; cancelled ${cancelled}. Its keys no longer work.\n`);
        return EXIT_OK;
      },
    }),
  ],
};

function formatSettings(settings: OrgSettings): string {
  const b = settings.circuitBreaker;
  return [
    `Default approval timeout: ${settings.approvalTimeoutSeconds} s`,
    `Circuit breaker: opens after ${b.failureThreshold} denials or failures within ${b.windowSeconds} s; probes after ${b.cooldownSeconds} s`,
    ...(settings.loops
      ? [
          settings.loops.enabled
            ? `Loops: the same call more than ${settings.loops.maxRepeats} times within ${settings.loops.windowSeconds} s is refused${settings.loops.haltAgent ? ", and the agent halted" : ""}`
            : "Loops: not refused (off)",
        ]
      : []),
    "",
  ].join("\n");
}

const SETTINGS_SET_USAGE =
  "[--approval-timeout <s>] [--failure-threshold <n>] [--window-seconds <s>] [--cooldown-seconds <s>] [--loops on|off] [--loop-repeats <n>] [--loop-window <s>] [--halt-on-loop on|off]";

export const settingsGroup: CommandGroup = {
  name: "settings",
  notes: SETTINGS_NOTES,
  commands: [
    defineCommand({
      name: "get",
      summary: "Print the org's settings (circuit breaker, default approval timeout, loops)",
      options: { json: { type: "boolean" } },
      connection: "admin",
      help: withConnection("Usage: gatehouse settings get [--json]\n\nPrints the org's circuit-breaker thresholds, default approval timeout and loop limit."),
      async run(io, args, options) {
        noMore(args);
        const settings = await io.admin().settings.get({ signal: io.signal });
        if (options.json) return printJson(io.stdout, settings);
        io.stdout(formatSettings(settings));
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "set",
      synopsis: SETTINGS_SET_USAGE,
      summary: "Change some of the org's settings",
      options: {
        "approval-timeout": { type: "string" },
        "failure-threshold": { type: "string" },
        "window-seconds": { type: "string" },
        "cooldown-seconds": { type: "string" },
        loops: { type: "string" },
        "loop-repeats": { type: "string" },
        "loop-window": { type: "string" },
        "halt-on-loop": { type: "string" },
        json: { type: "boolean" },
      },
      connection: "admin",
      help: withConnection(`Usage: gatehouse settings set ${SETTINGS_SET_USAGE} [--json]\n\nChanges some settings (owners and admins); the others stay.\n\n${SETTINGS_NOTES}`),
      async run(io, args, options) {
        noMore(args);
        const approvalTimeoutSeconds = intOption("--approval-timeout", options["approval-timeout"]);
        const breaker = {
          ...optional("failureThreshold", intOption("--failure-threshold", options["failure-threshold"])),
          ...optional("windowSeconds", intOption("--window-seconds", options["window-seconds"])),
          ...optional("cooldownSeconds", intOption("--cooldown-seconds", options["cooldown-seconds"])),
        };
        const loops = {
          ...onOff("enabled", "--loops", options.loops),
          ...optional("maxRepeats", intOption("--loop-repeats", options["loop-repeats"])),
          ...optional("windowSeconds", intOption("--loop-window", options["loop-window"])),
          ...onOff("haltAgent", "--halt-on-loop", options["halt-on-loop"]),
        };
        const changes: UpdateSettingsRequest = {
          ...(approvalTimeoutSeconds === undefined ? {} : { approvalTimeoutSeconds }),
          ...(Object.keys(breaker).length > 0 ? { circuitBreaker: breaker } : {}),
          ...(Object.keys(loops).length > 0 ? { loops } : {}),
        };
        if (Object.keys(changes).length === 0) throw new UsageError("settings set needs at least one setting, e.g. --approval-timeout 7200");
        const settings = await io.admin().settings.update(changes, { signal: io.signal });
        if (options.json) return printJson(io.stdout, settings);
        if ("status" in settings) {
          const weakened = settings.weakened.map((w) => w.path).join(", ");
          io.stdout(
            `Not applied yet: this change weakens enforcement (${weakened}) while the two-admin rule is on.\nAnother owner or admin must approve ${settings.approvalId}.\n`,
          );
          return EXIT_OK;
        }
        io.stdout(`Done.\n${formatSettings(settings)}`);
        return EXIT_OK;
      },
    }),
    ...contentCommands,
  ],
};

/** A whole-number option; anything else is a usage mistake (the server checks the range, naming the field). */
function intOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) throw new UsageError(`${name} must be a whole number, not "${value}"`);
  return Number(value);
}

/** `on` or `off`; anything else is a usage mistake. */
function onOff<K extends string>(key: K, name: string, value: string | undefined): Partial<Record<K, boolean>> {
  if (value === undefined) return {};
  if (value !== "on" && value !== "off") throw new UsageError(`${name} must be on or off, not "${value}"`);
  return { [key]: value === "on" } as Record<K, boolean>;
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

function memberRow(m: Member): string[] {
  return [m.id, m.email, m.name, m.role, m.signInMethods.join(",") || "-", m.lastActiveAt === null ? "never" : shortTime(m.lastActiveAt)];
}

function invitationRow(i: Invitation): string[] {
  return [i.id, i.email, i.role, i.invitedBy?.email ?? "-", shortTime(i.expiresAt)];
}
