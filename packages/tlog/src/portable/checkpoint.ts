import { base64ToBytes, bytesToBase64 } from "./bytes";

/**
 * C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint) body: origin line, decimal tree size,
 * base64 root hash, then optional extension lines; every line ends in a newline.
 */
export interface CheckpointText {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  extensions: string[];
}

/** A 32-byte hash from standard base64; anything else is a TypeError naming `what`. */
export function hashBytesFromBase64(text: string, what = "hash"): Uint8Array {
  let bytes: Uint8Array | undefined;
  try {
    bytes = base64ToBytes(text);
  } catch {
    bytes = undefined;
  }
  if (bytes === undefined || bytes.length !== 32 || bytesToBase64(bytes) !== text) throw new TypeError(`${what} must be 32 bytes in standard base64`);
  return bytes;
}

export function parseCheckpointText(text: string): CheckpointText {
  if (!text.endsWith("\n")) throw new TypeError("a checkpoint ends with a newline");
  const lines = text.slice(0, -1).split("\n");
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (!origin) throw new TypeError("a checkpoint starts with its origin");
  if (!sizeText || !/^(0|[1-9][0-9]*)$/.test(sizeText)) throw new TypeError("a checkpoint's second line is its tree size in decimal");
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw new TypeError("the checkpoint's tree size is too large");
  if (!rootText) throw new TypeError("a checkpoint's third line is its root hash");
  if (extensions.some((line) => line.length === 0)) throw new TypeError("a checkpoint has no empty lines");
  return { origin, size, rootHash: hashBytesFromBase64(rootText, "the checkpoint's root hash"), extensions };
}

/**
 * The tree size a signed checkpoint note states, read without checking its signature (that needs
 * the keys, later). Throws a TypeError saying why when the text is not a signed checkpoint.
 */
export function checkpointNoteSize(note: string): number {
  const end = note.lastIndexOf("\n\n");
  if (end < 0) throw new TypeError("it has no signature lines after a blank line");
  return parseCheckpointText(note.slice(0, end + 1)).size;
}
