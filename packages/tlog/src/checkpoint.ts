import { hashFromBase64 } from "./hash";

/**
 * C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint) body: origin line, decimal tree size,
 * base64 root hash, then optional extension lines; every line ends in a newline.
 */
export interface CheckpointBody {
  origin: string;
  size: number;
  rootHash: Buffer;
  extensions: string[];
}

export function formatCheckpoint(origin: string, size: number, rootHash: Uint8Array): string {
  if (origin.length === 0 || /[\n]/.test(origin)) throw new TypeError("a checkpoint origin is one non-empty line");
  if (!Number.isSafeInteger(size) || size < 0) throw new TypeError("a tree size is a non-negative integer");
  return `${origin}\n${size}\n${Buffer.from(rootHash).toString("base64")}\n`;
}

export function parseCheckpoint(text: string): CheckpointBody {
  if (!text.endsWith("\n")) throw new TypeError("a checkpoint ends with a newline");
  const lines = text.slice(0, -1).split("\n");
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (!origin) throw new TypeError("a checkpoint starts with its origin");
  if (!sizeText || !/^(0|[1-9][0-9]*)$/.test(sizeText)) throw new TypeError("a checkpoint's second line is its tree size in decimal");
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw new TypeError("the checkpoint's tree size is too large");
  if (!rootText) throw new TypeError("a checkpoint's third line is its root hash");
  if (extensions.some((line) => line.length === 0)) throw new TypeError("a checkpoint has no empty lines");
  return { origin, size, rootHash: hashFromBase64(rootText, "the checkpoint's root hash"), extensions };
}
