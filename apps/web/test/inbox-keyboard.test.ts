import { describe, expect, it } from "vitest";
import { canArm, inboxKeyCommand, nextInboxSelection, type KeyPress } from "../src/lib/use-inbox-keyboard";

const press = (key: string, more: Partial<KeyPress> = {}): KeyPress => ({ key, metaKey: false, ctrlKey: false, altKey: false, defaultPrevented: false, ...more });

describe("inboxKeyCommand", () => {
  it("moves with j / k and the arrows, arms with a / d, disarms with Esc", () => {
    expect(inboxKeyCommand(press("j"), false)).toEqual({ type: "move", by: 1 });
    expect(inboxKeyCommand(press("ArrowDown"), false)).toEqual({ type: "move", by: 1 });
    expect(inboxKeyCommand(press("k"), false)).toEqual({ type: "move", by: -1 });
    expect(inboxKeyCommand(press("ArrowUp"), false)).toEqual({ type: "move", by: -1 });
    expect(inboxKeyCommand(press("a"), false)).toEqual({ type: "arm", decision: "approve" });
    expect(inboxKeyCommand(press("d"), false)).toEqual({ type: "arm", decision: "deny" });
    expect(inboxKeyCommand(press("Escape"), false)).toEqual({ type: "disarm" });
  });

  it("leaves alone the keys of a field being typed in (a reason with the letter d does not deny)", () => {
    for (const key of ["j", "k", "a", "d", "Escape", "ArrowDown"]) expect(inboxKeyCommand(press(key), true)).toBeNull();
  });

  it("leaves alone the browser's and the system's shortcuts, and what was handled already", () => {
    expect(inboxKeyCommand(press("a", { ctrlKey: true }), false)).toBeNull();
    expect(inboxKeyCommand(press("d", { metaKey: true }), false)).toBeNull();
    expect(inboxKeyCommand(press("j", { altKey: true }), false)).toBeNull();
    expect(inboxKeyCommand(press("Escape", { defaultPrevented: true }), false)).toBeNull();
  });

  it("has no command for other keys (Enter belongs to the decision form; a capital is not its letter)", () => {
    for (const key of ["Enter", "J", "A", "x", " ", "Tab"]) expect(inboxKeyCommand(press(key), false)).toBeNull();
  });
});

describe("nextInboxSelection", () => {
  const ids = ["apr_1", "apr_2", "apr_3"];
  it("moves to the next and the previous approval as listed", () => {
    expect(nextInboxSelection(ids, "apr_2", 1)).toBe("apr_3");
    expect(nextInboxSelection(ids, "apr_2", -1)).toBe("apr_1");
  });
  it("stops at either end rather than wrapping", () => {
    expect(nextInboxSelection(ids, "apr_3", 1)).toBe("apr_3");
    expect(nextInboxSelection(ids, "apr_1", -1)).toBe("apr_1");
    expect(nextInboxSelection(["apr_1"], "apr_1", 1)).toBe("apr_1");
  });
  it("starts at the top when the open approval is not in the list (decided elsewhere) or none is open", () => {
    expect(nextInboxSelection(ids, "apr_gone", 1)).toBe("apr_1");
    expect(nextInboxSelection(ids, "apr_gone", -1)).toBe("apr_1");
    expect(nextInboxSelection(ids, null, 1)).toBe("apr_1");
  });
  it("goes nowhere in an empty list", () => {
    expect(nextInboxSelection([], null, 1)).toBeNull();
    expect(nextInboxSelection([], "apr_1", -1)).toBeNull();
  });
});

describe("canArm", () => {
  it("arms only a pending approval the member may decide", () => {
    expect(canArm({ status: "pending", viewer: { canDecide: true } } as Parameters<typeof canArm>[0])).toBe(true);
    expect(canArm({ status: "pending", viewer: { canDecide: false } } as Parameters<typeof canArm>[0])).toBe(false);
    expect(canArm({ status: "pending" } as Parameters<typeof canArm>[0])).toBe(false);
    expect(canArm({ status: "approved", viewer: { canDecide: true } } as Parameters<typeof canArm>[0])).toBe(false);
    expect(canArm(undefined)).toBe(false);
  });
});
