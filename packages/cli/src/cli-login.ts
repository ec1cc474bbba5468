/** `gatehouse login` and `gatehouse logout`: the credentials file the other commands take their key and base URL from. */
import { hostname } from "node:os";
import { DEFAULT_BASE_URL, GatehouseAdmin } from "@gatehouse/sdk";
import { EXIT_FAILURE, EXIT_OK, noMore, UsageError } from "./cli-common.ts";
import { defineCommand, type CliIo, type CommandGroup } from "./command.ts";
import { credentialsPath, readCredentials, removeCredentials, writeCredentials } from "./credentials.ts";
import { VERSION } from "./version.ts";

const LOGIN_HELP = `Usage: gatehouse login --web [--base-url <url>]
       gatehouse login --refresh
       gatehouse login [--api-key <key>] [--base-url <url>]

Saves an org admin key, with the base URL, for the other commands: in
$XDG_CONFIG_HOME/gatehouse/credentials.json, else ~/.config/gatehouse/credentials.json (readable by
you only). The key is never printed.

With --web, no key is needed first: the command shows a code and a console address; open it, signed
in, check the device and address the page shows are yours, and confirm the code for one of your orgs
(an owner types the code; the page does not fill it in for them). The command then saves a new admin
key of yours for that org (it acts with your role; console: Keys lists it as "cli: <this host>" and
revokes it). The code lives 10 minutes; the key 30 days.

With --refresh, the saved key (one --web saved) is exchanged, before it expires, for a new one that
lives 30 days from now; the old one stops working at once. Once it has expired, run --web again.

Otherwise it checks the key you give with the server (whoami) and saves it. Without --api-key, the
key is read from stdin: piped in (echo "$KEY" | gatehouse login), or typed at a prompt that does not
show it.

Every command then takes its key from --api-key, else $GATEHOUSE_API_KEY, else the saved one; and
its base URL from --base-url, else $GATEHOUSE_BASE_URL, else the saved one.

Options:
  --web              Sign in from the console instead of giving a key
  --refresh          Exchange the saved key for a new one that lives 30 days from now
  --api-key <key>    Org admin key (gh_admin_…); a member issues one on the console's Keys page
  --base-url <url>   Where the Gatehouse API listens. Default: $GATEHOUSE_BASE_URL, else ${DEFAULT_BASE_URL}

Exit status: 0 saved, 1 the server refused the key, or the login was refused or expired, or the key
does not refresh (nothing is saved), 2 the command line was wrong.
`;

const LOGOUT_HELP = `Usage: gatehouse logout

Removes the credentials file gatehouse login wrote. The key itself keeps working until it expires or
is revoked (console: Keys).
`;

const login = defineCommand({
  name: "",
  summary: "Save an admin key (checked with the server) for the other commands",
  // It reads the connection options itself: the key it is given is the one it checks and saves.
  options: { "api-key": { type: "string" }, "base-url": { type: "string" }, web: { type: "boolean" }, refresh: { type: "boolean" } },
  connection: "none",
  help: LOGIN_HELP,
  async run(io, args, options) {
    noMore(args);
    const path = credentialsPath(io.env);
    if (path === undefined) throw new UsageError("nowhere to save the credentials: set HOME or XDG_CONFIG_HOME");
    if (options.refresh) {
      if (options.web || options["api-key"] !== undefined || options["base-url"] !== undefined) {
        throw new UsageError("--refresh exchanges the saved key: leave out --web, --api-key and --base-url");
      }
      return refreshSavedKey(io, path);
    }
    if (options.web) {
      if (options["api-key"] !== undefined) throw new UsageError("--web signs in from the console: leave out --api-key");
      return loginFromConsole(io, path, options["base-url"] ?? (io.env.GATEHOUSE_BASE_URL || DEFAULT_BASE_URL));
    }
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

type Started = { userCode: string; verificationUriComplete: string; pollToken: string; expiresIn: number; interval: number };
type Polled =
  | { status: "pending"; interval: number }
  | { status: "denied" | "expired" }
  | { status: "approved"; apiKey: string; key: { expiresAt: string | null }; org: { slug: string; name: string } };
type Refreshed = { id: string; apiKey: string; expiresAt: string | null };

/** One call of the login flow (public, or with `apiKey`; no `body`: none sent): its JSON answer, or the API's error said plainly (exit status 1). */
async function post<T>(io: CliIo, baseUrl: string, path: string, body: unknown, apiKey?: string): Promise<T> {
  let response: Response;
  try {
    response = await io.fetch(new URL(path, baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`).href, {
      method: "POST",
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(io.signal ? { signal: io.signal } : {}),
    });
  } catch (error) {
    throw new LoginFailed(`no Gatehouse API answered at ${baseUrl} (${error instanceof Error ? error.message : String(error)})`);
  }
  const answer = (await response.json().catch(() => null)) as (T & { error?: { message?: string } }) | null;
  if (!response.ok || answer === null) throw new LoginFailed(`the API at ${baseUrl} answered ${response.status}${answer?.error?.message ? `: ${answer.error.message}` : ""}`);
  return answer;
}

class LoginFailed extends Error {}

/** `login --web`: the device flow (packages/db/src/keys/cli-logins.ts). Nothing is saved unless a member confirms. */
async function loginFromConsole(io: CliIo, path: string, baseUrl: string): Promise<number> {
  try {
    const started = await post<Started>(io, baseUrl.replace(/\/+$/, ""), "v1/cli-logins", {
      client: `gatehouse ${VERSION}`,
      deviceName: (hostname() || "unnamed device").slice(0, 100),
    });
    io.stdout(
      `Open ${started.verificationUriComplete}\nsigned in, check the page shows this device (${hostname()}), and confirm the code ${started.userCode} for the org to sign in to (an owner types it; it expires in ${Math.round(started.expiresIn / 60)} minutes).\nWaiting…\n`,
    );
    let interval = started.interval;
    for (;;) {
      await io.sleep(interval * 1000, io.signal);
      if (io.signal?.aborted) {
        io.stderr("Stopped; nothing saved.\n");
        return EXIT_FAILURE;
      }
      const polled = await post<Polled>(io, baseUrl, "v1/cli-logins/token", { pollToken: started.pollToken });
      if (polled.status === "pending") {
        interval = polled.interval;
        continue;
      }
      if (polled.status !== "approved") {
        io.stderr(
          polled.status === "denied" ? "The login was refused in the console; nothing saved.\n" : "The code expired or was used; nothing saved. Run gatehouse login --web again.\n",
        );
        return EXIT_FAILURE;
      }
      await writeCredentials(path, { apiKey: polled.apiKey, baseUrl });
      io.stdout(`Logged in to ${polled.org.name} (${polled.org.slug}) at ${baseUrl}.\nSaved to ${path}.\n${expiryNote(polled.key.expiresAt)}`);
      return EXIT_OK;
    }
  } catch (error) {
    if (!(error instanceof LoginFailed)) throw error;
    io.stderr(`error: ${error.message}\n`);
    return EXIT_FAILURE;
  }
}

/** When a saved key stops working, and how to keep it going. */
function expiryNote(expiresAt: string | null): string {
  return expiresAt === null ? "" : `The key expires ${expiresAt}: run gatehouse login --refresh before then.\n`;
}

/** `login --refresh`: the saved key asks for its successor (POST /v1/admin/keys/:id/refresh); the successor is saved. */
async function refreshSavedKey(io: CliIo, path: string): Promise<number> {
  const saved = await readCredentials(path);
  if (saved === null) throw new UsageError(`nothing to refresh: no ${path}; run gatehouse login --web`);
  try {
    // Which key the saved secret is (a refused key is a GatehouseError: exit status 1, nothing written).
    const me = await new GatehouseAdmin({ apiKey: saved.apiKey, baseUrl: saved.baseUrl, fetch: io.fetch }).whoami({ signal: io.signal });
    const fresh = await post<Refreshed>(io, saved.baseUrl, `v1/admin/keys/${encodeURIComponent(me.key.id)}/refresh`, undefined, saved.apiKey);
    await writeCredentials(path, { apiKey: fresh.apiKey, baseUrl: saved.baseUrl });
    io.stdout(`Refreshed the key for ${me.org.name} (${me.org.slug}); the old one no longer works.\nSaved to ${path}.\n${expiryNote(fresh.expiresAt)}`);
    return EXIT_OK;
  } catch (error) {
    if (!(error instanceof LoginFailed)) throw error;
    io.stderr(`error: ${error.message}\n`);
    return EXIT_FAILURE;
  }
}

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
