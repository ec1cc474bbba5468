import { resolve } from "node:path";
import { isMasterKey } from "../../packages/db/src/infra/secrets.ts";

// The one place the launcher scripts read process.env. An empty variable counts as unset (as in a
// .env file or docker-compose with `VAR=`), so it falls back to its default.

export interface LauncherEnv {
  /** Absolute path of GATEHOUSE_HOME (default ./.gatehouse): secrets, dev.json, embedded database. */
  gatehouseHome: string;
  apiPort: number;
  webPort: number;
  /** Where the API listens (API_HOST, default 127.0.0.1: this machine only). */
  apiHost: string;
  /** Where the console listens (WEB_HOST, default 127.0.0.1: this machine only). */
  webHost: string;
  /** External Postgres; unset means the embedded database. */
  databaseUrl: string | undefined;
  /** Redis; unset means no Redis. */
  redisUrl: string | undefined;
  /** Base64 of 32 bytes; unset means generated into GATEHOUSE_HOME. */
  masterKey: string | undefined;
  /** next-auth secret, at least 32 characters; unset means generated into GATEHOUSE_HOME. */
  authSecret: string | undefined;
  /** LOG_LEVEL as set; unset, the API logs at warn (no line per request) and the worker at info. */
  logLevel: string | undefined;
  /** LOG_FORMAT: "pretty" (default: one readable line per log record) or "json" (as the services write it). */
  logFormat: "pretty" | "json";
}

/** Development servers listen on this machine only unless API_HOST / WEB_HOST say otherwise. */
export const DEFAULT_HOST = "127.0.0.1";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

export class EnvError extends Error {
  constructor(problems: readonly string[]) {
    super(`Invalid environment for npm start:\n${problems.map((problem) => `  ${problem}`).join("\n")}`);
    this.name = "EnvError";
  }
}

type Source = Readonly<Record<string, string | undefined>>;

function value(source: Source, name: string): string | undefined {
  const raw = source[name]?.trim();
  return raw ? raw : undefined;
}

function port(source: Source, name: string, fallback: number, problems: string[]): number {
  const raw = value(source, name);
  if (raw === undefined) return fallback;
  const parsed = Number(raw);
  if (!/^\d+$/.test(raw) || parsed < 1 || parsed > 65_535) {
    problems.push(`${name}: must be a port number (1-65535), got "${raw}"`);
    return fallback;
  }
  return parsed;
}

function host(source: Source, name: string, problems: string[]): string {
  const raw = value(source, name);
  if (raw === undefined) return DEFAULT_HOST;
  if (!/^[\w.:-]+$/.test(raw)) problems.push(`${name}: must be a host name or an IP address (e.g. 127.0.0.1, or 0.0.0.0 for every interface), got "${raw}"`);
  return raw;
}

function url(source: Source, name: string, protocols: readonly string[], problems: string[]): string | undefined {
  const raw = value(source, name);
  if (raw === undefined) return undefined;
  let protocol: string;
  try {
    protocol = new URL(raw).protocol;
  } catch {
    problems.push(`${name}: must be a URL (${protocols.join(" or ")}//…)`);
    return undefined;
  }
  if (!protocols.includes(protocol)) problems.push(`${name}: must start with ${protocols.map((p) => `${p}//`).join(" or ")}, got ${protocol}//`);
  return raw;
}

/** Reads and validates the launcher's environment; throws EnvError listing every problem. */
export function launcherEnv(source: Source = process.env): LauncherEnv {
  const problems: string[] = [];
  const masterKey = value(source, "GATEHOUSE_MASTER_KEY");
  if (masterKey !== undefined && !isMasterKey(masterKey)) problems.push("GATEHOUSE_MASTER_KEY: must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)");
  const authSecret = value(source, "AUTH_SECRET");
  if (authSecret !== undefined && authSecret.length < 32) problems.push("AUTH_SECRET: must be at least 32 characters (e.g. `openssl rand -base64 32`)");
  const logLevel = value(source, "LOG_LEVEL");
  if (logLevel !== undefined && !(LOG_LEVELS as readonly string[]).includes(logLevel)) problems.push(`LOG_LEVEL: must be one of ${LOG_LEVELS.join(", ")}, got "${logLevel}"`);
  const logFormat = value(source, "LOG_FORMAT") ?? "pretty";
  if (logFormat !== "pretty" && logFormat !== "json") problems.push(`LOG_FORMAT: must be pretty or json, got "${logFormat}"`);
  const env: LauncherEnv = {
    gatehouseHome: resolve(value(source, "GATEHOUSE_HOME") ?? ".gatehouse"),
    apiPort: port(source, "API_PORT", 4000, problems),
    webPort: port(source, "WEB_PORT", 3000, problems),
    apiHost: host(source, "API_HOST", problems),
    webHost: host(source, "WEB_HOST", problems),
    databaseUrl: url(source, "DATABASE_URL", ["postgresql:", "postgres:"], problems),
    redisUrl: url(source, "REDIS_URL", ["redis:", "rediss:"], problems),
    masterKey,
    authSecret,
    logLevel,
    logFormat: logFormat === "json" ? "json" : "pretty",
  };
  if (problems.length === 0 && env.apiPort === env.webPort) problems.push(`API_PORT and WEB_PORT must differ (both ${env.apiPort})`);
  if (problems.length > 0) throw new EnvError(problems);
  return env;
}

/**
 * The environment for a child process: this process's environment without the variables `drop`
 * picks, with `changes` applied (`undefined` removes a variable, so a child never sees an empty
 * DATABASE_URL or REDIS_URL).
 */
export function childEnv(changes: Readonly<Record<string, string | undefined>>, options: { drop?: (name: string) => boolean; source?: Source } = {}): NodeJS.ProcessEnv {
  const source = options.source ?? process.env;
  const drop = options.drop ?? (() => false);
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(source).filter(([name]) => !drop(name)));
  for (const [name, next] of Object.entries(changes)) {
    if (next === undefined) delete env[name];
    else env[name] = next;
  }
  return env;
}

const WILDCARDS = new Set(["0.0.0.0", "::", "[::]"]);
const LOOPBACKS = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

const bracketed = (host: string) => (host.includes(":") && !host.startsWith("[") ? `[${host}]` : host);

/** Where this machine reaches a server bound to `host` (a wildcard is reached on the loopback). */
export function connectUrl(host: string, port: number): string {
  return `http://${WILDCARDS.has(host) ? DEFAULT_HOST : bracketed(host)}:${port}`;
}

/** The address to show a person: localhost for this machine (loopback or every interface), else the host. */
export function displayUrl(host: string, port: number): string {
  return `http://${WILDCARDS.has(host) || LOOPBACKS.has(host) ? "localhost" : bracketed(host)}:${port}`;
}
