import { describe, expect, it } from "vitest";
import { itemsOfPages } from "../src/lib/pages";

describe("itemsOfPages", () => {
  it("keeps each item once, in page order, when pages overlap", () => {
    const pages = [{ rows: [{ id: "c" }, { id: "b" }] }, { rows: [{ id: "b" }, { id: "a" }] }, { rows: [{ id: "c" }] }];
    expect(
      itemsOfPages(
        pages,
        (p) => p.rows,
        (r) => r.id,
      ).map((r) => r.id),
    ).toEqual(["c", "b", "a"]);
  });

  it("keeps the first copy and reads numeric keys", () => {
    const pages = [
      [{ n: 3, v: "first" }],
      [
        { n: 3, v: "second" },
        { n: 2, v: "x" },
      ],
    ];
    expect(
      itemsOfPages(
        pages,
        (p) => p,
        (r) => r.n,
      ),
    ).toEqual([
      { n: 3, v: "first" },
      { n: 2, v: "x" },
    ]);
  });

  it("is empty before the first page", () => {
    expect(
      itemsOfPages(
        undefined,
        (p: { rows: { id: string }[] }) => p.rows,
        (r) => r.id,
      ),
    ).toEqual([]);
  });
});
