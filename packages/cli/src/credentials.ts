/**
 * The credentials file `gatehouse login` writes and every command falls back to:
 * `$XDG_CONFIG_HOME/gatehouse/credentials.json`, else `~/.config/gatehouse/credentials.json`. The
 * directory is made private (0700) and the file readable by its owner only (0600), written whole
 * (a temporary file renamed over it), so a reader never sees half a key.
 */
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { CliEnv } from "./env.ts";

/** What the file holds: one admin key and the API it belongs to. */
export interface Credentials {
  apiKey: string;
  baseUrl: string;
}

/** A credentials file that is there but not one `gatehouse login` wrote. */
export class CredentialsFileError extends Error {}

/** Where the credentials file lives for this environment, or undefined with neither XDG_CONFIG_HOME nor HOME. */
export function credentialsPath(env: Readonly<CliEnv>): string | undefined {
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, "gatehouse", "credentials.json");
  if (env.HOME) return join(env.HOME, ".config", "gatehouse", "credentials.json");
  return undefined;
}

/** The saved credentials, or null when there is no file. */
export async function readCredentials(path: string): Promise<Credentials | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new CredentialsFileError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? "unknown error"}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  const { apiKey, baseUrl } = (parsed ?? {}) as Partial<Record<keyof Credentials, unknown>>;
  if (typeof apiKey !== "string" || apiKey === "" || typeof baseUrl !== "string" || baseUrl === "") {
    throw new CredentialsFileError(`${path} is not a credentials file written by gatehouse login: run gatehouse login again, or gatehouse logout`);
  }
  return { apiKey, baseUrl };
}

/** Writes the credentials: the directory 0700, the file 0600. */
export async function writeCredentials(path: string, credentials: Credentials): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify({ apiKey: credentials.apiKey, baseUrl: credentials.baseUrl }, null, 2)}\n`, { mode: 0o600, flag: "wx" });
    await chmod(temporary, 0o600);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Removes the credentials file; whether there was one. */
export async function removeCredentials(path: string): Promise<boolean> {
  try {
    await rm(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
