import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import { join } from "node:path";
import { dbEnv } from "./env";
import { isMasterKey, loadOrCreateSecret } from "./secrets";

/**
 * The org secret vault: the master key, the keys derived from it per org and purpose, and the secrets
 * of an org's sealed under it (webhook and Slack secrets; the audit log's signing keys use the same
 * master key in audit/signing-keys.ts). At the bottom of the package: it imports nothing but infra.
 */
const VERSION = "v1";

let masterKey: Promise<Buffer> | undefined;

/** The master key (GATEHOUSE_MASTER_KEY, or in development one made in GATEHOUSE_HOME), loaded once. */
export function loadMasterKey(): Promise<Buffer> {
  masterKey ??= (async () => {
    const env = dbEnv();
    // Every process that signs or decrypts (API, worker, console) must share one key: in production
    // none may make up its own beside the others.
    if (env.NODE_ENV === "production" && env.GATEHOUSE_MASTER_KEY === undefined) {
      throw new Error("GATEHOUSE_MASTER_KEY is not set, and NODE_ENV is production: set it to the key that encrypts the orgs' signing keys");
    }
    const secret =
      env.GATEHOUSE_MASTER_KEY ??
      (await loadOrCreateSecret({ file: join(env.GATEHOUSE_HOME, "master.key"), isValid: isMasterKey, description: "GATEHOUSE_MASTER_KEY (32 bytes, base64)" }));
    return Buffer.from(secret, "base64");
  })();
  // A failed load (say, an unreadable file) is retried on the next use rather than remembered.
  masterKey.catch(() => {
    masterKey = undefined;
  });
  return masterKey;
}

/**
 * A key of the org's own for one purpose (`content-tag`: the placeholders' keyed hashes), derived from
 * the master key (HMAC-SHA256 over the purpose and the org's id): nothing new to store, different for
 * every org and purpose, and nobody without the master key can compute it.
 */
export async function orgSubkey(orgId: string, purpose: string): Promise<Buffer> {
  return createHmac("sha256", await loadMasterKey())
    .update(`gatehouse:${purpose}\n${orgId}`, "utf8")
    .digest();
}

/**
 * Another secret of an org's that Gatehouse must be able to read back (a webhook endpoint's signing
 * secret): AES-256-GCM under the master key, bound to its purpose, its row and its org like the
 * signing keys, so a ciphertext moved to another row or org does not decrypt.
 */
export async function sealOrgSecret(purpose: string, id: string, orgId: string, plaintext: string): Promise<string> {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", await loadMasterKey(), iv);
  cipher.setAAD(Buffer.from(`${purpose}\n${id}\n${orgId}`, "utf8"));
  const sealed = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}:${iv.toString("base64")}:${sealed.toString("base64")}`;
}

export async function openOrgSecret(purpose: string, id: string, orgId: string, stored: string): Promise<string> {
  const [version, ivText, sealedText] = stored.split(":");
  if (version !== VERSION || !ivText || !sealedText) throw new Error(`the ${purpose} secret of ${id} is stored in an unknown format`);
  const sealed = Buffer.from(sealedText, "base64");
  const decipher = createDecipheriv("aes-256-gcm", await loadMasterKey(), Buffer.from(ivText, "base64"));
  decipher.setAAD(Buffer.from(`${purpose}\n${id}\n${orgId}`, "utf8"));
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]).toString("utf8");
  } catch {
    throw new Error(`the ${purpose} secret of ${id} does not decrypt with this GATEHOUSE_MASTER_KEY`);
  }
}
