import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { newId, type ActorRef } from "@gatehouse/core";
import { generateSigner, openNote, parseVerifierKey, signerFromPkcs8, signNote, verifierKeyString, type NoteSigner } from "@gatehouse/tlog";
import { db, TX_OPTIONS, type Tx } from "../infra/client";
import { isUniqueViolation } from "../infra/prisma-errors";
import { loadMasterKey } from "../infra/org-vault";
import { appendAuditEntry } from "./append-audit-entries";
import { lockAuditLog } from "./lock-audit-log";

/**
 * Org signing keys (Ed25519, C2SP signed-note). The private key is stored as PKCS#8 encrypted with
 * AES-256-GCM under GATEHOUSE_MASTER_KEY, with the key's id and org as associated data so a
 * ciphertext cannot be moved to another row. Decrypted signers are cached per key id.
 */
const VERSION = "v1";

/** A log's origin and its keys' name: stable per org, no spaces or '+'. */
export function logOrigin(orgId: string): string {
  return `gatehouse/${orgId}`;
}

function associatedData(keyId: string, orgId: string): Buffer {
  return Buffer.from(`${keyId}\n${orgId}`, "utf8");
}

export async function encryptPrivateKey(keyId: string, orgId: string, pkcs8: Buffer): Promise<string> {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", await loadMasterKey(), iv);
  cipher.setAAD(associatedData(keyId, orgId));
  const sealed = Buffer.concat([cipher.update(pkcs8), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}:${iv.toString("base64")}:${sealed.toString("base64")}`;
}

async function decryptPrivateKey(keyId: string, orgId: string, stored: string): Promise<Buffer> {
  const [version, ivText, sealedText] = stored.split(":");
  if (version !== VERSION || !ivText || !sealedText) throw new Error(`signing key ${keyId} is stored in an unknown format`);
  const sealed = Buffer.from(sealedText, "base64");
  const decipher = createDecipheriv("aes-256-gcm", await loadMasterKey(), Buffer.from(ivText, "base64"));
  decipher.setAAD(associatedData(keyId, orgId));
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
  } catch {
    throw new Error(`signing key ${keyId} does not decrypt with this GATEHOUSE_MASTER_KEY`);
  }
}

export interface SigningKeyRow {
  id: string;
  orgId: string;
  name: string;
  publicKey: string;
  encryptedPrivateKey: string;
  status: "active" | "retired";
  createdAt: Date;
  retiredAt: Date | null;
}

export function vkeyOf(row: Pick<SigningKeyRow, "name" | "publicKey">): string {
  return verifierKeyString(row.name, Buffer.from(row.publicKey, "base64"));
}

/**
 * Creates an org's new active key inside `tx` (the caller retires the old one first) and records it
 * in the org's log, so the log itself says from when each key signs.
 */
export async function insertSigningKey(
  tx: Tx,
  orgId: string,
  actor: ActorRef,
  previous?: { id: string; vkey: string },
  idempotencyKey?: string,
): Promise<{ id: string; vkey: string }> {
  const id = newId("signingKey");
  const name = logOrigin(orgId);
  const generated = generateSigner(name);
  await tx.signingKey.create({
    data: {
      id,
      orgId,
      name,
      keyHash: generated.signer.keyHash.toString(16).padStart(8, "0"),
      publicKey: generated.publicKey.toString("base64"),
      encryptedPrivateKey: await encryptPrivateKey(id, orgId, generated.privateKeyPkcs8),
      status: "active",
    },
  });
  await appendAuditEntry(tx, orgId, {
    type: previous ? "audit.signing_key_rotated" : "audit.signing_key_created",
    actor,
    subjectId: id,
    data: { keyId: id, vkey: generated.vkey, ...(previous ? { previousKeyId: previous.id, previousVkey: previous.vkey } : {}), ...(idempotencyKey ? { idempotencyKey } : {}) },
  });
  signers.set(id, Promise.resolve(generated.signer));
  return { id, vkey: generated.vkey };
}

const signers = new Map<string, Promise<NoteSigner>>();

function signerOf(row: SigningKeyRow): Promise<NoteSigner> {
  let signer = signers.get(row.id);
  if (!signer) {
    signer = decryptPrivateKey(row.id, row.orgId, row.encryptedPrivateKey).then((pkcs8) => signerFromPkcs8(row.name, pkcs8));
    signer.catch(() => signers.delete(row.id));
    signers.set(row.id, signer);
  }
  return signer;
}

/**
 * The org's active signer; an org without one (created before signing, or never checkpointed) gets
 * its first key here. Two processes racing both try; the partial unique index keeps one.
 */
export async function activeSigner(orgId: string): Promise<{ keyId: string; signer: NoteSigner }> {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const row = await db().signingKey.findFirst({ where: { orgId, status: "active" }, omit: { encryptedPrivateKey: false } });
    if (row) return { keyId: row.id, signer: await signerOf(row) };
    await db()
      .$transaction(async (tx) => {
        await lockAuditLog(tx, orgId);
        await insertSigningKey(tx, orgId, { type: "system", id: "signing-keys" });
      }, TX_OPTIONS)
      .catch((error: unknown) => {
        if (!isUniqueViolation(error)) throw error;
      });
  }
  throw new Error(`no active signing key for org ${orgId}`);
}

/**
 * Whether the org's active signing key is usable now (the governance health): its private half is
 * decrypted afresh with this process's master key (not the cached signer, so a changed master key
 * shows) and signs a probe note that its stored public key verifies. Null when the org has no active
 * key yet (it gets one at its first checkpoint); throws when the key cannot be used. Creates nothing.
 */
export async function probeActiveSigningKey(orgId: string): Promise<{ keyId: string; createdAt: Date } | null> {
  const row = await db().signingKey.findFirst({ where: { orgId, status: "active" }, omit: { encryptedPrivateKey: false } });
  if (!row) return null;
  const signer = signerFromPkcs8(row.name, await decryptPrivateKey(row.id, row.orgId, row.encryptedPrivateKey));
  openNote(signNote(`${row.name}\nsigning key probe\n`, [signer]), [parseVerifierKey(vkeyOf(row))]);
  return { keyId: row.id, createdAt: row.createdAt };
}
