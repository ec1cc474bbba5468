import { randomBytes } from "node:crypto";
import { chmod, readFile, writeFile } from "node:fs/promises";

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
