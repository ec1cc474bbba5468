/**
 * The coding-agent hook's key file: `gatehouse hook setup` saves the agent's key there, and the hook
 * reads it, so the key is never on the hook's command line (which `ps` shows every local user, and
 * which the agent's settings file keeps). Default: `$XDG_CONFIG_HOME/gatehouse/hooks/<agent>.key`,
 * else `~/.config/gatehouse/hooks/<agent>.key`. Written whole (a temporary file renamed over it),
 * readable by its owner only (0600) in a directory only its owner may enter (0700); read only when
 * its owner is this user and nobody else may read or write it, as ssh does with a private key.
 */
import { chmod, mkdir, open, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { CodingAgent } from "@gatehouse/core";
import type { CliEnv } from "./env.ts";

/** A key file that is missing, unsafe or empty: its message names the file and what to do. */
export class HookKeyFileError extends Error {}

/** The key file `hook setup` writes for an agent in this environment, or undefined with neither XDG_CONFIG_HOME nor HOME. */
export function hookKeyPath(env: Readonly<CliEnv>, agent: CodingAgent): string | undefined {
  const config = env.XDG_CONFIG_HOME || (env.HOME ? join(env.HOME, ".config") : undefined);
  return config === undefined ? undefined : join(config, "gatehouse", "hooks", `${agent}.key`);
}

/** The longest key file read: a key is some 50 characters. */
const MAX_KEY_FILE_BYTES = 4096;

/**
 * The key in a key file. `uid` is the user this process runs as (undefined where the system has no
 * POSIX owners and modes, as on Windows: there the file's ACL is the user's to keep private). The
 * checks are made on the file as opened, so a file swapped in between cannot slip past them.
 */
export async function readHookKey(path: string, uid: number | undefined): Promise<string> {
  let file;
  try {
    file = await open(path, "r");
  } catch (error) {
    throw new HookKeyFileError(`cannot read the key file ${path}: ${(error as NodeJS.ErrnoException).code ?? "unknown error"} (run gatehouse hook setup)`);
  }
  try {
    const stat = await file.stat();
    if (!stat.isFile()) throw new HookKeyFileError(`the key file ${path} is not a file`);
    if (uid !== undefined) {
      if (stat.uid !== uid) throw new HookKeyFileError(`the key file ${path} is not owned by you (owner uid ${stat.uid}): it is not read`);
      if ((stat.mode & 0o077) !== 0) {
        const mode = (stat.mode & 0o777).toString(8).padStart(4, "0");
        throw new HookKeyFileError(
          `the key file ${path} is readable by other users (mode ${mode}): it is not read; run chmod 600 ${path} (and issue a new key if others may have read it)`,
        );
      }
    }
    if (stat.size > MAX_KEY_FILE_BYTES) throw new HookKeyFileError(`the key file ${path} is not a key file (over ${MAX_KEY_FILE_BYTES} bytes)`);
    const key = (await file.readFile("utf8")).trim();
    if (key === "" || /\s/.test(key)) throw new HookKeyFileError(`the key file ${path} holds no key (one line: the agent's gh_… key)`);
    return key;
  } finally {
    await file.close();
  }
}

/**
 * Saves a key: the file 0600, written whole. The directories it creates are 0700; the default
 * directory (`gatehouse/hooks` under the config directory) is made 0700 even when it was there.
 */
export async function writeHookKey(path: string, key: string, options: { privateDir: boolean }): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (options.privateDir) await chmod(dir, 0o700);
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, `${key}\n`, { mode: 0o600, flag: "wx" });
    await chmod(temporary, 0o600);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
