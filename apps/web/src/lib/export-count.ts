// Counts the entries of an audit export while it streams in, so the console can say how many it saved.
// Pure and incremental: chunks may split a line (or a CSV field) anywhere.

export type CountedFormat = "jsonl" | "csv";

export interface EntryCounter {
  /** Feeds the next piece of the file's text. */
  push(text: string): void;
  /** Entries seen so far (complete lines only, plus a last line without its newline once `end` ran). */
  readonly entries: number;
  /** Call once the file ended. */
  end(): void;
}

/**
 * JSONL: one `{"type":"entry",…}` line per entry (bundle, key, checkpoint and consistency lines are
 * not entries). CSV: every record after the header, newlines inside quoted fields not counted.
 */
export function entryCounter(format: CountedFormat): EntryCounter {
  let entries = 0;
  if (format === "jsonl") {
    let line = "";
    const finish = (text: string) => {
      if (text.startsWith('{"type":"entry"')) entries += 1;
    };
    return {
      push(text) {
        const parts = (line + text).split("\n");
        line = parts.pop() ?? "";
        for (const part of parts) finish(part);
      },
      end() {
        finish(line);
        line = "";
      },
      get entries() {
        return entries;
      },
    };
  }
  let records = 0;
  let quoted = false;
  let pending = false;
  return {
    push(text) {
      for (const char of text) {
        if (char === '"') quoted = !quoted;
        else if (char === "\n" && !quoted) {
          records += 1;
          pending = false;
          continue;
        }
        if (char !== "\r") pending = true;
      }
    },
    end() {
      if (pending) records += 1;
      pending = false;
    },
    get entries() {
      // The first record is the header.
      return Math.max(0, records - 1);
    },
  };
}

/** The file name of a `Content-Disposition: attachment; filename="…"` header, or null. */
export function attachmentFilename(header: string | null): string | null {
  const match = header ? /filename="([^"]+)"/.exec(header) : null;
  return match?.[1] ?? null;
}
