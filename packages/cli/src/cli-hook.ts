/**
 * `gatehouse hook claude-code|codex`: Gatehouse as a coding agent's PreToolUse command hook. Reads the
 * hook's payload on stdin, has the API's `POST /v1/hooks/:agent` decide it with the agent's key (so the
 * command and Claude Code's http hook decide alike), waits for a person when a policy asks for one,
 * and prints the answer in the hook's format. Fails closed: whatever goes wrong (no key, an unsafe key
 * file, the API unreachable, a malformed payload) is printed as a deny, so the tool does not run.
 * `gatehouse hook setup claude-code|codex` saves the agent's key in a file only its user can read
 * (hook-key.ts) and prints the settings that install the hook, which hold no key.
 */
import { CODING_AGENTS, hookAction, hookFailure, preToolUseSchema, type CodingAgent, type HookAnswer } from "@gatehouse/core";
import { DEFAULT_BASE_URL } from "@gatehouse/sdk";
import { EXIT_OK, UsageError } from "./cli-common.ts";
import { defineCommand, type CliIo, type CommandGroup } from "./command.ts";
import { hookKeyPath, readHookKey, writeHookKey } from "./hook-key.ts";
import { callFilePath, leaveAuditEventId, postToolUseSchema, screenPostToolUse, type PostToolUseAnswer } from "./hook-post-tool-use.ts";
import { VERSION } from "./version.ts";

/** How long the command waits for a person by default: well inside the timeout the setup snippet gives the hook. */
const DEFAULT_WAIT_SECONDS = 300;
/** The hook's timeout in the setup snippet: the wait plus room for the calls around it. */
const timeoutFor = (waitSeconds: number) => waitSeconds + 30;

const AGENT_NAMES: Record<CodingAgent, string> = { "claude-code": "Claude Code", codex: "Codex" };

function codingAgent(word: string | undefined): CodingAgent {
  if (word !== undefined && (CODING_AGENTS as readonly string[]).includes(word)) return word as CodingAgent;
  throw new UsageError(`name the coding agent: ${CODING_AGENTS.join(" or ")}${word === undefined ? "" : ` (not '${word}')`}`);
}

function waitSecondsOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_WAIT_SECONDS;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600) throw new UsageError("--wait must be a whole number of seconds from 0 to 3600");
  return seconds;
}

export const HOOK_HELP = `Usage: gatehouse hook claude-code|codex [--wait <seconds>] [--key-file <path>] [--base-url <url>]
       gatehouse hook setup claude-code|codex [--http] [--wait <seconds>] [--key-file <path>] [--base-url <url>]

Gatehouse as the PreToolUse hook of a coding agent: reads the hook's JSON on stdin, asks Gatehouse
with the agent's key (an agent's gh_… key), and prints allow, deny (with the reason the model reads)
or ask. Tools are decided as tool.<name> (Bash as tool.bash), MCP tools (mcp__<server>__<tool>) as
mcp.<server>.<tool>. When a policy asks for a person, it waits up to --wait seconds (default
${DEFAULT_WAIT_SECONDS}) for the decision in the console; still pending, it denies and tells the model to make the
same call again once approved (the same call in the same session finds the same approval, and an
approval lets one call through). It never answers ask: the person at the terminal is not the approver
the policy named. Anything that stops Gatehouse from deciding (no key, an unsafe key file, the API
unreachable or slow, a malformed payload or answer) is a deny: the tool does not run.

Claude Code: given a PostToolUse payload, the same command screens the tool's result before Claude
reads it (the built-in and the org's own detectors, by the org's content rules): an MCP tool's output
is replaced by the screened one, and Claude is told what was kept from it; when the screen cannot run,
an MCP tool's output is withheld. setup installs it as both hooks (not with --http, and not for Codex).

The key is never on the hook's command line, where every local user can read it (ps) and the
settings file keeps it: the hook reads it from $GATEHOUSE_API_KEY, else from its key file (--key-file,
default $XDG_CONFIG_HOME/gatehouse/hooks/<agent>.key, else ~/.config/gatehouse/hooks/<agent>.key). A key
file is read only when you own it and nobody else may read or write it (chmod 600); otherwise the hook
denies, naming the file.

setup takes the key from --api-key, $GATEHOUSE_API_KEY, or stdin (piped in, or typed at a prompt that
does not show it), saves it in the key file (0600, in a 0700 directory) and prints the settings that
install the hook, without the key: for Claude Code the JSON to merge into .claude/settings.local.json,
for Codex the TOML for ~/.codex/config.toml. --http prints Claude Code's http hook on POST
/v1/hooks/claude-code instead, its Authorization header filled by Claude Code from $GATEHOUSE_API_KEY
in its own environment (no file is written; note: Claude Code runs the tool when an http hook cannot
be reached, so the command hook is the one that fails closed).

Options:
  --wait <seconds>    How long to wait for a person (0-3600). Default: ${DEFAULT_WAIT_SECONDS}
  --key-file <path>   The key file (setup: where to save the key). Default: the agent's file above
  --http              (setup) Claude Code's http hook instead of the command
  --api-key <key>     (setup) The agent's key (gh_…). Default: $GATEHOUSE_API_KEY, else read from stdin
  --base-url <url>    Where the Gatehouse API listens. Default: $GATEHOUSE_BASE_URL, else ${DEFAULT_BASE_URL}

gatehouse login's saved key is an admin's, so it is not used here.
`;

const KEY_ON_COMMAND_LINE =
  "the hook takes its key from $GATEHOUSE_API_KEY or a key file (--key-file), not on the command line, where every local user can read it: run gatehouse hook setup";

/**
 * The hook's key and base URL: $GATEHOUSE_API_KEY, else the key file (--key-file, else the agent's
 * default file). Throws with the reason the deny gives.
 */
async function hookConnection(io: CliIo, agent: CodingAgent, options: { "key-file"?: string | undefined; "base-url"?: string | undefined }) {
  const baseUrl = options["base-url"] ?? (io.env.GATEHOUSE_BASE_URL || DEFAULT_BASE_URL);
  const fromEnv = io.env.GATEHOUSE_API_KEY || undefined;
  if (fromEnv !== undefined && options["key-file"] === undefined) return { apiKey: fromEnv, baseUrl };
  const path = options["key-file"] ?? hookKeyPath(io.env, agent);
  if (path === undefined) throw new Error("no API key: set GATEHOUSE_API_KEY or pass --key-file <path> (run gatehouse hook setup)");
  return { apiKey: await readHookKey(path, io.uid), baseUrl };
}

/** The API's answer when it is a hook decision (allow or deny, with its reason); undefined for anything else. */
function decisionOf(body: unknown): HookAnswer | undefined {
  const output = (body as { hookSpecificOutput?: Partial<HookAnswer["hookSpecificOutput"]> } | null)?.hookSpecificOutput;
  if (output?.hookEventName !== "PreToolUse" || typeof output.permissionDecisionReason !== "string") return undefined;
  if (output.permissionDecision !== "allow" && output.permissionDecision !== "deny") return undefined;
  // An allow of a call the policies rewrote carries the input to run with: dropping it would run the call as sent.
  const updated = output.permissionDecision === "allow" && "updatedInput" in output ? { updatedInput: output.updatedInput } : {};
  return {
    hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: output.permissionDecision, permissionDecisionReason: output.permissionDecisionReason, ...updated },
  };
}

function parsedOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** ": <message>" of Gatehouse's error envelope, when the body is one. */
function envelopeMessage(text: string): string {
  const message = (parsedOrNull(text) as { error?: { message?: unknown } } | null)?.error?.message;
  return typeof message === "string" ? `: ${message}` : "";
}

/** The longest one call to the API holds for a person (the API's own bound); the command asks again until --wait runs out. */
const HOLD_SECONDS = 25;
/** How long past its hold one call may take before the command gives up on it (and denies). */
const CALL_MARGIN_MS = 10_000;

/**
 * Decides one payload through the API's `POST /v1/hooks/:agent` (the same decision as Claude Code's
 * http hook, re-attaching to the same approval on each ask), asking again while the approval is
 * pending and --wait has time left. Every failure becomes the deny the hook prints.
 */
async function decide(io: CliIo, agent: CodingAgent, waitSeconds: number, options: HookOptions): Promise<HookAnswer | PostToolUseAnswer> {
  let payload: unknown;
  try {
    payload = JSON.parse(await io.readStdin());
  } catch {
    return hookFailure("the hook's input is not JSON");
  }
  if (agent === "claude-code" && (payload as { hook_event_name?: unknown } | null)?.hook_event_name === "PostToolUse") return afterTool(io, agent, payload, options);
  const parsed = preToolUseSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return hookFailure(`${issue?.path.join(".") || "the payload"} ${issue?.message ?? "is not a PreToolUse payload"}`);
  }
  try {
    if (options["api-key"] !== undefined) return hookFailure(KEY_ON_COMMAND_LINE);
    const { apiKey, baseUrl } = await hookConnection(io, agent, options);
    if (apiKey.startsWith("gh_admin_")) return hookFailure("the hook needs an agent's key (gh_…), not an org admin key");
    const deadline = io.now() + waitSeconds * 1000;
    for (;;) {
      const hold = Math.max(0, Math.min(HOLD_SECONDS, Math.ceil((deadline - io.now()) / 1000)));
      const url = `${baseUrl.replace(/\/+$/, "")}/v1/hooks/${agent}?waitSeconds=${hold}`;
      // A call that hangs (an API or a network that stops answering) ends as a deny, inside the hook's own timeout.
      const timeout = AbortSignal.timeout(hold * 1000 + CALL_MARGIN_MS);
      const response = await io.fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", "x-gatehouse-integration": `${agent}/${VERSION}` },
        body: JSON.stringify(parsed.data),
        signal: io.signal ? AbortSignal.any([io.signal, timeout]) : timeout,
      });
      const text = await response.text();
      const status = response.headers.get("x-gatehouse-status");
      // Gatehouse's refusal of the call itself (a bad or revoked key, a malformed payload, the database away): a 200
      // deny naming what went wrong, its code in x-gatehouse-error. Its reason is the one to print; it is never an allow.
      const refused = response.headers.get("x-gatehouse-error");
      if (response.status === 200 && refused !== null) {
        const denied = decisionOf(parsedOrNull(text));
        return denied?.hookSpecificOutput.permissionDecision === "deny" ? denied : hookFailure(`the API refused the call (${refused})`);
      }
      // Only an answer Gatehouse gave counts: anything else (a proxy's page, an empty object) is a deny.
      const answer = response.status === 200 && status !== null ? decisionOf(parsedOrNull(text)) : undefined;
      if (answer === undefined) return hookFailure(`the API answered ${response.status} without a decision${envelopeMessage(text)}`);
      if (status !== "requested" || hold === 0 || io.now() >= deadline) {
        // An allowed call's audit entry, left for the PostToolUse hook to report the result's findings on (Claude Code only).
        const auditEventId = response.headers.get("x-gatehouse-audit-event-id");
        if (agent === "claude-code" && answer.hookSpecificOutput.permissionDecision === "allow" && auditEventId !== null) {
          await leaveAuditEventId(callFilePath(io, agent, options["key-file"], hookAction(agent, parsed.data).eventId), auditEventId);
        }
        return answer;
      }
    }
  } catch (error) {
    return hookFailure(error instanceof Error ? error.message : String(error));
  }
}

/** A PostToolUse payload: the tool's result screened before Claude reads it (hook-post-tool-use.ts). Every failure withholds or tells. */
async function afterTool(io: CliIo, agent: CodingAgent, payload: unknown, options: HookOptions): Promise<PostToolUseAnswer> {
  const parsed = postToolUseSchema.safeParse(payload);
  const tool = typeof (payload as { tool_name?: unknown }).tool_name === "string" ? (payload as { tool_name: string }).tool_name : "";
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return screenPostToolUse(
      io,
      agent,
      { hook_event_name: "PostToolUse", tool_name: tool || "unknown", tool_input: {}, tool_response: null, tool_use_id: "-" },
      {
        error: `${issue?.path.join(".") || "the payload"} ${issue?.message ?? "is not a PostToolUse payload"}`,
      },
    );
  }
  let connection: Parameters<typeof screenPostToolUse>[3];
  try {
    if (options["api-key"] !== undefined) throw new Error(KEY_ON_COMMAND_LINE);
    const found = await hookConnection(io, agent, options);
    if (found.apiKey.startsWith("gh_admin_")) throw new Error("the hook needs an agent's key (gh_…), not an org admin key");
    connection = { ...found, keyFile: options["key-file"] };
  } catch (error) {
    connection = { error: error instanceof Error ? error.message : String(error) };
  }
  return screenPostToolUse(io, agent, parsed.data, connection);
}

/** The options of the hook command; `api-key` only to refuse it with a reason. */
const HOOK_OPTIONS = { wait: { type: "string" }, "key-file": { type: "string" }, "api-key": { type: "string" }, "base-url": { type: "string" } } as const;
type HookOptions = { [K in keyof typeof HOOK_OPTIONS]?: string | undefined };

const decideCommand = (agent: CodingAgent) =>
  defineCommand({
    name: agent,
    synopsis: "[--wait <seconds>] [--key-file <path>]",
    summary: `${AGENT_NAMES[agent]}'s PreToolUse hook: decide the tool call on stdin`,
    options: HOOK_OPTIONS,
    // Reads no credentials file: gatehouse login saves an admin's key, and a broken file must not stop the hook (which would let the tool run).
    connection: "none",
    help: HOOK_HELP,
    async run(io, args, options) {
      if (args.length > 0) throw new UsageError(`unexpected argument: ${args[0]}`);
      const answer = await decide(io, agent, waitSecondsOf(options.wait), options);
      io.stdout(`${JSON.stringify(answer)}\n`);
      return EXIT_OK;
    },
  });

/** A word as the shell reads it: as it is when it holds nothing the shell treats specially, else single-quoted. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The settings snippet for one agent: a command naming the key file, or (Claude Code, --http) a header Claude Code fills from its environment. Never the key. */
export function hookSettings(agent: CodingAgent, connection: { baseUrl: string; keyFile: string | undefined }, options: { http: boolean; waitSeconds: number }): string {
  const wait = options.waitSeconds === DEFAULT_WAIT_SECONDS ? "" : ` --wait ${options.waitSeconds}`;
  const keyFile = connection.keyFile === undefined ? "" : ` --key-file ${shellWord(connection.keyFile)}`;
  // `|| exit 2`: should the command itself fail to run (not on PATH, killed), exit status 2 blocks the call; any other would let it run.
  const command = `gatehouse hook ${agent} --base-url ${shellWord(connection.baseUrl)}${keyFile}${wait} || exit 2`;
  if (agent === "codex") {
    if (options.http) throw new UsageError("Codex has command hooks only: leave out --http");
    return `# Merge into ~/.codex/config.toml (the key is in ${connection.keyFile ?? "the key file"}, readable by you only).
[[hooks.PreToolUse]]
[[hooks.PreToolUse.hooks]]
type = "command"
command = ${JSON.stringify(command)}
timeout = ${timeoutFor(options.waitSeconds)}
`;
  }
  if (options.http) {
    const hook = {
      type: "http",
      url: `${connection.baseUrl}/v1/hooks/claude-code?waitSeconds=${Math.min(25, options.waitSeconds)}`,
      // Claude Code fills $GATEHOUSE_API_KEY from the environment it was started in (only the variables allowedEnvVars lists).
      headers: { Authorization: "Bearer $GATEHOUSE_API_KEY" },
      allowedEnvVars: ["GATEHOUSE_API_KEY"],
      timeout: 60,
    };
    const settings = { hooks: { PreToolUse: [{ matcher: "*", hooks: [hook] }] } };
    return `// Merge into .claude/settings.local.json, and start Claude Code with the agent's key in GATEHOUSE_API_KEY (not in the settings' env).\n${JSON.stringify(settings, null, 2)}\n`;
  }
  // PostToolUse: the same command screens each tool's result before Claude reads it (docs/guardrails.md, What the model reads).
  const settings = {
    hooks: {
      PreToolUse: [{ matcher: "*", hooks: [{ type: "command", command, timeout: timeoutFor(options.waitSeconds) }] }],
      PostToolUse: [{ matcher: "*", hooks: [{ type: "command", command, timeout: 60 }] }],
    },
  };
  return `// Merge into .claude/settings.local.json (the key is in ${connection.keyFile ?? "the key file"}, readable by you only).\n${JSON.stringify(settings, null, 2)}\n`;
}

/** The agent's key for setup: --api-key, else $GATEHOUSE_API_KEY, else read from stdin (piped, or a hidden prompt). */
async function setupKey(io: CliIo, given: string | undefined): Promise<string> {
  let apiKey = given ?? (io.env.GATEHOUSE_API_KEY || undefined);
  if (apiKey === undefined) {
    if (!io.readSecret) throw new UsageError("no API key: pass --api-key <an agent's gh_… key>, set GATEHOUSE_API_KEY or pipe it in");
    apiKey = await io.readSecret("Agent key (gh_…): ");
  }
  if (apiKey === "" || /\s/.test(apiKey)) throw new UsageError("no key given: pass an agent's gh_… key");
  if (apiKey.startsWith("gh_admin_")) throw new UsageError("the hook acts as an agent: pass an agent's key (gh_…), not an org admin key");
  return apiKey;
}

const setup = defineCommand({
  name: "setup",
  synopsis: "claude-code|codex [--http] [--wait <seconds>] [--key-file <path>]",
  summary: "Save the agent's key in a private file and print the settings that install the hook",
  options: { http: { type: "boolean" }, wait: { type: "string" }, "key-file": { type: "string" }, "api-key": { type: "string" }, "base-url": { type: "string" } },
  // It reads its key itself: it saves the key it is given, never gatehouse login's (an admin's).
  connection: "none",
  help: HOOK_HELP,
  async run(io, args, options) {
    const [word, ...rest] = args;
    if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest[0]}`);
    const agent = codingAgent(word);
    const http = options.http === true;
    if (http && agent === "codex") throw new UsageError("Codex has command hooks only: leave out --http");
    if (http && options["key-file"] !== undefined) throw new UsageError("--http keeps the key in Claude Code's environment: leave out --key-file");
    const waitSeconds = waitSecondsOf(options.wait);
    const baseUrl = options["base-url"] ?? (io.env.GATEHOUSE_BASE_URL || DEFAULT_BASE_URL);
    let keyFile: string | undefined;
    if (!http) {
      const apiKey = await setupKey(io, options["api-key"]);
      keyFile = options["key-file"] ?? hookKeyPath(io.env, agent);
      if (keyFile === undefined) throw new UsageError("nowhere to save the key: set HOME or XDG_CONFIG_HOME, or pass --key-file <path>");
      await writeHookKey(keyFile, apiKey, { privateDir: options["key-file"] === undefined });
    } else if (options["api-key"] !== undefined || io.env.GATEHOUSE_API_KEY) {
      await setupKey(io, options["api-key"]);
    }
    io.stdout(hookSettings(agent, { baseUrl, keyFile }, { http, waitSeconds }));
    return EXIT_OK;
  },
});

export const hookGroup: CommandGroup = {
  name: "hook",
  commands: [decideCommand("claude-code"), decideCommand("codex"), setup],
  notes: "Takes an agent's key (gh_…): the coding agent acts as that agent. docs/integrations/coding-agents.md has the whole setup.",
};
