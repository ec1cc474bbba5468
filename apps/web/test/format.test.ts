import { describe, expect, it } from "vitest";
import { attachmentFilename, entryCounter } from "../src/lib/export-count";
import { formatUsd } from "../src/lib/runs";
import { countOf, formatBytes, formatCount, formatDateTime, metadataDigest, pluralWord, truncate } from "../src/lib/format";

describe("formatDateTime", () => {
  it("writes an instant one way, in UTC, whatever the input's offset", () => {
    expect(formatDateTime("2026-11-22T14:05:09.123Z")).toBe("22 Nov 2026, 14:05:09 UTC");
    expect(formatDateTime("2026-11-22T15:05:09+01:00")).toBe("22 Nov 2026, 14:05:09 UTC");
    expect(formatDateTime(Date.UTC(2027, 0, 3, 4, 5, 6))).toBe("3 Jan 2027, 04:05:06 UTC");
    expect(formatDateTime(new Date(Date.UTC(2026, 11, 31, 23, 59, 59)))).toBe("31 Dec 2026, 23:59:59 UTC");
  });

  it("leaves what is not a time as it is, and an absent one as a dash", () => {
    expect(formatDateTime("not a date")).toBe("not a date");
    expect(formatDateTime(null)).toBe("—");
    expect(formatDateTime(undefined)).toBe("—");
    expect(formatDateTime("")).toBe("—");
  });
});

describe("formatCount and formatBytes", () => {
  it("groups thousands", () => {
    expect(formatCount(0)).toBe("0");
    expect(formatCount(999)).toBe("999");
    expect(formatCount(1234)).toBe("1,234");
    expect(formatCount(1234567)).toBe("1,234,567");
  });

  it("writes sizes in B, KB, MB", () => {
    expect(formatBytes(912)).toBe("912 B");
    expect(formatBytes(14_200)).toBe("14.2 KB");
    expect(formatBytes(2_100_000)).toBe("2.1 MB");
    expect(formatBytes(2_000_000)).toBe("2 MB");
    expect(formatBytes(512_000_000)).toBe("512 MB");
  });
});

describe("metadataDigest", () => {
  it("shows the first key=value pairs", () => {
    expect(metadataDigest({ repo: "acme/web", pr: 7, files: 80 })).toBe("repo=acme/web · pr=7 · files=80");
  });

  it("says how many keys it left out, and writes objects as compact JSON", () => {
    expect(metadataDigest({ a: 1, b: { c: [1, 2] }, d: null, e: true, f: "x" })).toBe('a=1 · b={"c":[1,2]} · d=null · +2 more');
  });

  it("cuts long values and a long digest", () => {
    expect(metadataDigest({ title: "x".repeat(40) })).toBe(`title=${"x".repeat(23)}…`);
    const digest = metadataDigest({ a: "y".repeat(30), b: "y".repeat(30), c: "y".repeat(30) }, { length: 40 });
    expect(digest).toHaveLength(40);
    expect(digest.endsWith("…")).toBe(true);
  });

  it("can leave keys out (shown elsewhere) and says nothing for no metadata", () => {
    expect(metadataDigest({ requestedBy: "ana@example.com", pr: 7 }, { omit: ["requestedBy"] })).toBe("pr=7");
    expect(metadataDigest({})).toBe("");
    expect(metadataDigest(null)).toBe("");
  });

  it("truncate keeps short text", () => {
    expect(truncate("abc", 3)).toBe("abc");
    expect(truncate("abcd", 3)).toBe("ab…");
  });
});

describe("entryCounter", () => {
  it("counts the entry lines of a JSONL bundle, whatever the chunking", () => {
    const file = ['{"type":"bundle"}', '{"type":"key"}', '{"type":"entry","seq":0}', '{"type":"checkpoint"}', '{"type":"entry","seq":1}', ""].join("\n");
    for (const size of [1, 3, 7, file.length]) {
      const counter = entryCounter("jsonl");
      for (let i = 0; i < file.length; i += size) counter.push(file.slice(i, i + size));
      counter.end();
      expect(counter.entries).toBe(2);
    }
  });

  it("counts CSV records after the header, not newlines inside quoted fields", () => {
    const file = 'seq,data\r\n0,"{""a"":""x\r\ny""}"\r\n1,{}\r\n2,plain';
    for (const size of [1, 5, file.length]) {
      const counter = entryCounter("csv");
      for (let i = 0; i < file.length; i += size) counter.push(file.slice(i, i + size));
      counter.end();
      expect(counter.entries).toBe(3);
    }
  });

  it("reads the file name of an attachment", () => {
    expect(attachmentFilename('attachment; filename="gatehouse-audit-acme-12-x.jsonl"')).toBe("gatehouse-audit-acme-12-x.jsonl");
    expect(attachmentFilename(null)).toBeNull();
  });
});

describe("countOf", () => {
  it("says one thing in the singular and every other count in the plural", () => {
    expect(countOf(1, "decision")).toBe("1 decision");
    expect(countOf(0, "decision")).toBe("0 decisions");
    expect(countOf(2, "decision")).toBe("2 decisions");
    expect(countOf(1234, "entry", "entries")).toBe("1,234 entries");
    expect(countOf(1, "policy", "policies")).toBe("1 policy");
    expect(pluralWord(1, "day")).toBe("day");
    expect(pluralWord(7, "day")).toBe("days");
  });
});

describe("formatUsd: spend is never rounded to the cent (issue 44: $0.015 showed as $0.02)", () => {
  it.each([
    [0, "$0"],
    [0.015, "$0.015"],
    [0.0042, "$0.0042"],
    [0.5, "$0.50"],
    [1.25, "$1.25"],
    [1204.5, "$1,204.50"],
    [0.000012, "$0.000012"],
    [1.01499, "$1.015"],
    [-0.015, "-$0.015"],
  ])("%s → %s", (usd, shown) => {
    expect(formatUsd(usd)).toBe(shown);
  });
});
