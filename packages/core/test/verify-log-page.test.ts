import { describe, expect, it } from "vitest";
import { packEntries, unpackEntries, type StoredEntry } from "../src";

// A verification step's entries cross to the worker packed (flat strings with the lengths of their
// parts): what the worker unpacks must be exactly what the database gave, whatever the text holds,
// so a tampered row is checked as stored, never repaired or shifted onto its neighbour.

const entry = (seq: number, canonical: string, leafHash = "a".repeat(64), chainHash = "b".repeat(64)): StoredEntry => ({ seq, canonical, leafHash, chainHash });

describe("packEntries / unpackEntries", () => {
  it.each<[string, StoredEntry[]]>([
    ["no entries", []],
    ["one entry", [entry(0, '{"a":1}')]],
    ["texts with what a separator would split on (raw newlines, NUL, the pack's own lengths)", [entry(1, '{"a":"x"}\n{"b":2}'), entry(2, "\u0000\n\n"), entry(3, "12\u000034")]],
    ["surrogate pairs and other scripts", [entry(4, '{"m":"😀 日本 ñ"}'), entry(5, "\ud83d\ude00"), entry(6, "")]],
    ["hashes of any length (a tampered row's)", [entry(7, "{}", "", "c"), entry(8, "{}", "d".repeat(200), "")]],
    ["seqs beyond 2^32", [entry(2 ** 40, "{}"), entry(Number.MAX_SAFE_INTEGER, "{}")]],
  ])("%s: unpacked equals the entries, after a structured clone", (_, entries) => {
    expect(unpackEntries(structuredClone(packEntries(entries)))).toEqual(entries);
  });

  it("a thousand entries keep their order and their own texts", () => {
    const entries = Array.from({ length: 1_000 }, (_, i) =>
      entry(i, JSON.stringify({ i, pad: "x".repeat(i % 17) }), i.toString(16).padStart(64, "0"), (i * 7).toString(16).padStart(64, "0")),
    );
    expect(unpackEntries(structuredClone(packEntries(entries)))).toEqual(entries);
  });
});
