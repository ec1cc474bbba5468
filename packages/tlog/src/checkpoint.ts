import { asBuffer } from "./hash";
import { parseCheckpointText } from "./portable/checkpoint";

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
  const body = parseCheckpointText(text);
  return { ...body, rootHash: asBuffer(body.rootHash) };
}
