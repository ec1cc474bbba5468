/** What every `gatehouse` command shares: its exit statuses and the error for a command-line mistake. */

/** Exit statuses. */
export const EXIT_OK = 0;
/** The call or the file failed (for `verify` and `audit proof`: the log or the proof is not valid). */
export const EXIT_FAILURE = 1;
/** The command line was wrong (for `verify`, also: a file could not be read). */
export const EXIT_USAGE = 2;

/** A command line mistake: printed with a pointer to the help, exit status 2. */
export class UsageError extends Error {}

/** An ISO 8601 time without its milliseconds. */
export function shortTime(iso: string): string {
  return iso.replace(/\.\d+Z$/, "Z");
}

/** Columns padded to their widest cell, two spaces apart. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .concat("\n");
  return [header, ...rows].map(line).join("");
}
