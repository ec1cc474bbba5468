import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

// Secrets kept in files under GATEHOUSE_HOME for development: the launcher (scripts/start.ts) and
// the API (for GATEHOUSE_MASTER_KEY when it is not set) share this, and nothing here imports Prisma.

/** 32 random bytes in base64: the format of GATEHOUSE_MASTER_KEY and of the generated AUTH_SECRET. */
export function randomSecret(): string {
  return randomBytes(32).toString("base64");
}

/**
 * The secret stored in `file` (created with mode 0600 on first use), so a restart keeps encrypted
 * keys readable and sessions valid. A file that fails `isValid` is an error, not silently replaced:
 * replacing the master key would make every org's signing key unreadable.
 */
export async function loadOrCreateSecret(options: { file: string; isValid: (secret: string) => boolean; description: string }): Promise<string> {
  const { file, isValid, description } = options;
  await mkdir(dirname(file), { recursive: true });
  try {
    await writeFile(file, `${randomSecret()}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  await chmod(file, 0o600);
  const secret = (await readFile(file, "utf8")).trim();
  if (!isValid(secret)) throw new Error(`${file} does not hold a valid ${description}; restore it, or delete it to start over with a new one`);
  return secret;
}

/** GATEHOUSE_MASTER_KEY's format: exactly 32 bytes in standard base64. */
export function isMasterKey(candidate: string): boolean {
  return /^[A-Za-z0-9+/]+={0,2}$/.test(candidate) && Buffer.from(candidate, "base64").length === 32;
}
