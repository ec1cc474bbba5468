/** `gatehouse login` and `gatehouse logout`: the credentials file the other commands take their key and base URL from. */
import { DEFAULT_BASE_URL, GatehouseAdmin } from "@gatehouse/sdk";
import { EXIT_OK, noMore, UsageError } from "./cli-common.ts";
import { defineCommand, type CommandGroup } from "./command.ts";
import { credentialsPath, removeCredentials, writeCredentials } from "./credentials.ts";

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

const login = defineCommand({
  name: "",
  summary: "Save an admin key (checked with the server) for the other commands",
  // It reads the connection options itself: the key it is given is the one it checks and saves.
  options: { "api-key": { type: "string" }, "base-url": { type: "string" } },
  connection: "none",
  help: LOGIN_HELP,
  async run(io, args, options) {
    noMore(args);
    const path = credentialsPath(io.env);
    if (path === undefined) throw new UsageError("nowhere to save the credentials: set HOME or XDG_CONFIG_HOME");
    let apiKey = options["api-key"];
    if (apiKey === undefined) {
      if (!io.readSecret) throw new UsageError("login needs a key: pass --api-key <key> or pipe it in");
      apiKey = await io.readSecret("Admin key (gh_admin_…): ");
    }
    if (apiKey === "") throw new UsageError("no key given: pass --api-key <key> or pipe it in");
    const baseUrl = options["base-url"] ?? (io.env.GATEHOUSE_BASE_URL || DEFAULT_BASE_URL);
    let admin: GatehouseAdmin;
    try {
      admin = new GatehouseAdmin({ apiKey, baseUrl, fetch: io.fetch });
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    // A refused key (401), or no server there, is a GatehouseError: exit status 1, nothing written.
    const me = await admin.whoami({ signal: io.signal });
    await writeCredentials(path, { apiKey, baseUrl });
    const who = me.member ? ` as ${me.member.email} (${me.member.role})` : "";
    io.stdout(`Logged in to ${me.org.name} (${me.org.slug}) at ${baseUrl}${who}.\nSaved to ${path}.\n`);
    return EXIT_OK;
  },
});

const logout = defineCommand({
  name: "",
  summary: "Remove the saved key",
  options: {},
  connection: "none",
  help: LOGOUT_HELP,
  async run(io, args) {
    noMore(args);
    const path = credentialsPath(io.env);
    if (path === undefined) throw new UsageError("no credentials file: neither HOME nor XDG_CONFIG_HOME is set");
    io.stdout((await removeCredentials(path)) ? `Removed ${path}.\n` : `Not logged in (no ${path}).\n`);
    return EXIT_OK;
  },
});

export const loginGroup: CommandGroup = { name: "login", commands: [login] };
export const logoutGroup: CommandGroup = { name: "logout", commands: [logout] };
