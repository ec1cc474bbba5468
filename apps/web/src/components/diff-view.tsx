import type { DiffLine } from "@/lib/line-diff";

/** A line diff as the console shows one (a policy's versions, an MCP tool's definitions): added and removed lines marked for eyes and screen readers. */
export function DiffView({ lines }: { lines: readonly DiffLine[] }) {
  return (
    <pre data-testid="version-diff" className="mt-3 overflow-x-auto rounded-lg border border-stone-200 bg-stone-50 py-2 font-mono text-xs leading-5">
      {lines.map((line, i) => (
        <div
          key={i}
          data-kind={line.kind}
          className={line.kind === "added" ? "bg-emerald-50 text-emerald-900" : line.kind === "removed" ? "bg-red-50 text-red-900" : "text-stone-700"}
        >
          <span aria-hidden="true" className="inline-block w-6 select-none text-center text-stone-400">
            {line.kind === "added" ? "+" : line.kind === "removed" ? "−" : " "}
          </span>
          <span className="sr-only">{line.kind === "added" ? "added: " : line.kind === "removed" ? "removed: " : ""}</span>
          <span data-part="text">{line.text}</span>
        </div>
      ))}
    </pre>
  );
}
