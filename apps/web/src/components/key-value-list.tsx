import type { ReactNode } from "react";

// Structured data (an action's metadata, the data it accessed, an audit entry's data) as a readable list
// of key/value pairs: scalars as they are, nested objects indented below their key, short arrays of
// scalars on one line, anything else as compact JSON of that one value.

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

const isScalar = (value: unknown) => value === null || ["string", "number", "boolean"].includes(typeof value);

function Scalar({ value }: { value: unknown }): ReactNode {
  if (value === null) return <span className="text-stone-400">null</span>;
  if (typeof value === "string") return value === "" ? <span className="text-stone-400">(empty)</span> : value;
  if (typeof value === "boolean") return <span className={value ? "text-emerald-700" : "text-stone-500"}>{String(value)}</span>;
  return <span className="tabular-nums">{JSON.stringify(value)}</span>;
}

const MAX_DEPTH = 3;

function Value({ value, depth }: { value: unknown; depth: number }): ReactNode {
  if (isScalar(value)) return <Scalar value={value} />;
  if (Array.isArray(value)) {
    if (value.length === 0) return <span className="text-stone-400">none</span>;
    if (value.every(isScalar)) return value.map((item) => (typeof item === "string" ? item : JSON.stringify(item))).join(", ");
    if (depth < MAX_DEPTH && value.every(isRecord)) {
      return (
        <ol className="space-y-1.5">
          {value.map((item, i) => (
            <li key={i} className="border-l-2 border-stone-200 pl-2">
              <Pairs value={item} depth={depth + 1} />
            </li>
          ))}
        </ol>
      );
    }
  }
  if (isRecord(value) && depth < MAX_DEPTH) {
    if (Object.keys(value).length === 0) return <span className="text-stone-400">{"{}"}</span>;
    return (
      <div className="border-l-2 border-stone-200 pl-2">
        <Pairs value={value} depth={depth + 1} />
      </div>
    );
  }
  return <code className="break-all font-mono">{JSON.stringify(value)}</code>;
}

function Pairs({ value, depth, notes = {} }: { value: Record<string, unknown>; depth: number; notes?: Readonly<Record<string, ReactNode>> }) {
  const keys = [...Object.keys(value), ...Object.keys(notes).filter((key) => !Object.hasOwn(value, key))];
  return (
    <dl className="grid grid-cols-[minmax(5rem,max-content)_1fr] gap-x-3 gap-y-1">
      {keys.map((key) => (
        <div key={key} className="contents">
          <dt className="font-mono text-stone-500">{key}</dt>
          <dd data-key={key} className="min-w-0 break-words text-stone-800">
            {Object.hasOwn(notes, key) ? notes[key] : <Value value={value[key]} depth={depth} />}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * `value` (an object, or a list of them) as key/value pairs; `empty` when it holds nothing. `notes`
 * stand in place of top-level keys' values (an erased field: "erased by entry #12"), listed even
 * when the key is not in `value`.
 */
export function KeyValueList({ value, empty = "None.", testId, notes }: { value: unknown; empty?: string; testId?: string; notes?: Readonly<Record<string, ReactNode>> }) {
  const noted = notes !== undefined && Object.keys(notes).length > 0;
  const record = isRecord(value) || (noted && (value === null || value === undefined)) ? { ...(isRecord(value) ? value : {}) } : null;
  const nothing = !noted && (value === null || value === undefined || (Array.isArray(value) && value.length === 0) || (isRecord(value) && Object.keys(value).length === 0));
  return (
    <div data-testid={testId} className="rounded-lg border border-stone-200 bg-white p-3 text-xs leading-relaxed">
      {nothing ? <p className="text-stone-500">{empty}</p> : record ? <Pairs value={record} depth={0} notes={notes} /> : <Value value={value} depth={0} />}
    </div>
  );
}
