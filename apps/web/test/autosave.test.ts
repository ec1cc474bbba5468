import { describe, expect, it } from "vitest";
import { autosaveDue, autosaveReducer, flushPlan, initialAutosave, type AutosaveEvent, type AutosaveState } from "../src/lib/use-autosave";

interface Doc {
  source: string;
  format: "yaml" | "json";
}
interface Stored {
  revision: number;
  updatedBy?: string;
}
type State = AutosaveState<Doc, Stored>;

const same = (a: Doc, b: Doc) => a.source === b.source && a.format === b.format;
const reduce = autosaveReducer<Doc, Stored>(same);
const run = (state: State, ...events: Array<AutosaveEvent<Doc, Stored>>) => events.reduce(reduce, state);

const STORED: Doc = { source: "policies: []\n", format: "yaml" };
const EDITED: Doc = { source: "policies: [a]\n", format: "yaml" };
/** The draft at revision 3, as loaded (the first load). */
const loaded = run(initialAutosave<Doc, Stored>(), { type: "load", value: STORED, record: { revision: 3 } });

describe("the autosave of a loaded document", () => {
  it("has nothing to save until an edit", () => {
    expect(loaded.status).toBe("saved");
    expect(flushPlan(loaded, same)).toEqual({ kind: "nothing" });
    expect(autosaveDue(loaded, same)).toBe(false);
  });

  it("saves an edit after the pause, from the revision it was loaded at", () => {
    const edited = run(loaded, { type: "edit", value: EDITED });
    expect(edited.status).toBe("dirty");
    expect(autosaveDue(edited, same)).toBe(true);
    expect(flushPlan(edited, same)).toEqual({ kind: "save", value: EDITED, revision: 3, loads: 1 });
  });

  it("has nothing to save when the edit is undone before the pause", () => {
    const undone = run(loaded, { type: "edit", value: EDITED }, { type: "edit", value: { ...STORED } });
    expect(undone.status).toBe("saved");
    expect(autosaveDue(undone, same)).toBe(false);
    expect(flushPlan(undone, same)).toEqual({ kind: "nothing" });
  });

  it("counts a change of format alone as an edit", () => {
    expect(run(loaded, { type: "edit", value: { ...STORED, format: "json" } }).status).toBe("dirty");
  });

  it("ignores edits before anything is loaded, and never saves then", () => {
    const empty = run(initialAutosave<Doc, Stored>(), { type: "edit", value: EDITED });
    expect(empty.value).toBeNull();
    expect(flushPlan(empty, same)).toEqual({ kind: "nothing" });
  });
});

describe("a save under way", () => {
  const saving = run(loaded, { type: "edit", value: EDITED }, { type: "saving", value: EDITED, loads: 1 });

  it("says so, and is not started again by the timer", () => {
    expect(saving.status).toBe("saving");
    expect(autosaveDue(saving, same)).toBe(false);
  });

  it("ends saved at the revision the server answered; the next save starts from it", () => {
    const saved = run(saving, { type: "saved", value: EDITED, loads: 1, record: { revision: 4, updatedBy: "ada@example.test" } });
    expect(saved.status).toBe("saved");
    expect(saved.record).toEqual({ revision: 4, updatedBy: "ada@example.test" });
    const next = run(saved, { type: "edit", value: { source: "policies: [b]\n", format: "yaml" } });
    expect(flushPlan(next, same)).toMatchObject({ kind: "save", revision: 4 });
  });

  it("leaves more to save when the author typed on meanwhile (the status stays 'saving' until it answers)", () => {
    const typedOn = run(saving, { type: "edit", value: { source: "policies: [a, b]\n", format: "yaml" } });
    expect(typedOn.status).toBe("saving");
    const answered = run(typedOn, { type: "saved", value: EDITED, loads: 1, record: { revision: 4 } });
    expect(answered.status).toBe("dirty");
    expect(autosaveDue(answered, same)).toBe(true);
    expect(flushPlan(answered, same)).toEqual({ kind: "save", value: { source: "policies: [a, b]\n", format: "yaml" }, revision: 4, loads: 1 });
  });

  it("is saved even when the author typed the stored text back meanwhile (it was saved in between)", () => {
    const back = run(saving, { type: "edit", value: STORED }, { type: "saved", value: EDITED, loads: 1, record: { revision: 4 } });
    expect(back.status).toBe("dirty");
    expect(flushPlan(back, same)).toMatchObject({ kind: "save", value: STORED, revision: 4 });
  });
});

describe("a conflict (someone saved the draft since it was loaded)", () => {
  const conflicted = run(
    loaded,
    { type: "edit", value: EDITED },
    { type: "saving", value: EDITED, loads: 1 },
    {
      type: "failed",
      loads: 1,
      error: new Error("revision is stale"),
      conflict: true,
    },
  );

  it("stops every save, by the timer or asked for, whatever the author edits", () => {
    expect(conflicted.status).toBe("conflict");
    expect(flushPlan(conflicted, same)).toEqual({ kind: "blocked" });
    const editedOn = run(conflicted, { type: "edit", value: { source: "more", format: "yaml" } });
    expect(editedOn.status).toBe("conflict");
    expect(editedOn.value?.source).toBe("more");
    expect(autosaveDue(editedOn, same)).toBe(false);
    expect(flushPlan(editedOn, same)).toEqual({ kind: "blocked" });
  });

  it("ends with a reload, which replaces the author's edits with the stored draft", () => {
    const reloaded = run(conflicted, { type: "load", value: { source: "theirs", format: "json" }, record: { revision: 9 } });
    expect(reloaded.status).toBe("saved");
    expect(reloaded.value).toEqual({ source: "theirs", format: "json" });
    expect(flushPlan(run(reloaded, { type: "edit", value: EDITED }), same)).toMatchObject({ kind: "save", revision: 9, loads: 2 });
  });

  it("is also what a publication refused for a stale revision reports", () => {
    expect(run(loaded, { type: "conflict" }).status).toBe("conflict");
  });
});

describe("a failed save", () => {
  const failed = run(
    loaded,
    { type: "edit", value: EDITED },
    { type: "saving", value: EDITED, loads: 1 },
    { type: "failed", loads: 1, error: new Error("network down"), conflict: false },
  );

  it("says why, and is not retried by the timer on its own", () => {
    expect(failed.status).toBe("error");
    expect(failed.error?.message).toBe("network down");
    expect(autosaveDue(failed, same)).toBe(false);
  });

  it("is retried when asked (publishing saves first)", () => {
    expect(flushPlan(failed, same)).toEqual({ kind: "save", value: EDITED, revision: 3, loads: 1 });
  });

  it("is retried after the next edit, and the error no longer shows", () => {
    const edited = run(failed, { type: "edit", value: { source: "policies: [c]\n", format: "yaml" } });
    expect(edited.status).toBe("dirty");
    expect(edited.error).toBeNull();
    expect(autosaveDue(edited, same)).toBe(true);
  });
});

describe("an answer to a save made before the draft was loaded again (discarded, reloaded, published)", () => {
  const inFlight = run(loaded, { type: "edit", value: EDITED }, { type: "saving", value: EDITED, loads: 1 });
  const discarded = run(inFlight, { type: "load", value: STORED, record: { revision: 0 } });

  it("is dropped: the page keeps the document it loaded", () => {
    const late = run(discarded, { type: "saved", value: EDITED, loads: 1, record: { revision: 4 } });
    expect(late).toBe(discarded);
    expect(late.record?.revision).toBe(0);
    expect(late.status).toBe("saved");
  });

  it("is dropped when it failed too", () => {
    expect(run(discarded, { type: "failed", loads: 1, error: new Error("stale"), conflict: true })).toBe(discarded);
  });
});
