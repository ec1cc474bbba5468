import { useEffect, useLayoutEffect, useRef } from "react";
import type { Approval, Decision } from "./approvals";

// The approvals inbox's keyboard: j / k (or the arrows) move through the list, a / d arm an approve or deny
// on the approval shown (the detail then asks for Enter), Esc disarms. The pure part (which command a key is,
// where a move lands, whether a decision may be armed) is what the tests read; useInboxKeyboard binds it to
// the window.

export type InboxCommand = { type: "move"; by: 1 | -1 } | { type: "arm"; decision: Decision } | { type: "disarm" };

/** What of a keydown the inbox reads. */
export interface KeyPress {
  key: string;
  metaKey: boolean;
  ctrlKey: boolean;
  altKey: boolean;
  defaultPrevented: boolean;
}

/**
 * The inbox's command for a key, or null for one it leaves alone: any key with a modifier (the browser's and the
 * system's shortcuts), one something else handled already, and every key while the member types in a field
 * (the reason box takes its own Enter and Esc).
 */
export function inboxKeyCommand(press: KeyPress, typing: boolean): InboxCommand | null {
  if (press.defaultPrevented || press.metaKey || press.ctrlKey || press.altKey || typing) return null;
  switch (press.key) {
    case "j":
    case "ArrowDown":
      return { type: "move", by: 1 };
    case "k":
    case "ArrowUp":
      return { type: "move", by: -1 };
    case "a":
      return { type: "arm", decision: "approve" };
    case "d":
      return { type: "arm", decision: "deny" };
    case "Escape":
      return { type: "disarm" };
    default:
      return null;
  }
}

/**
 * The approval a move lands on: the next or previous one in the list as shown, stopping at either end (no wrap).
 * When the one shown is not in the list (decided meanwhile, or opened from a link) a move starts at the top;
 * null when the list is empty.
 */
export function nextInboxSelection(ids: readonly string[], activeId: string | null, by: number): string | null {
  const index = activeId === null ? -1 : ids.indexOf(activeId);
  if (index === -1) return ids[0] ?? null;
  return ids[Math.min(ids.length - 1, Math.max(0, index + by))] ?? null;
}

/** Whether a / d may arm a decision: only on a pending approval the member may vote on (not their own request). */
export function canArm(approval: Pick<Approval, "status" | "viewer"> | undefined): boolean {
  return approval?.status === "pending" && Boolean(approval.viewer?.canDecide);
}

/** Whether a key goes to a field the member types in rather than to the page. */
function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT";
}

interface InboxKeyboardOptions {
  /** The approvals in the order shown. */
  items: readonly Approval[];
  activeId: string | null;
  activeItem: Approval | undefined;
  select: (id: string) => void;
  arm: (decision: Decision | null) => void;
}

/** Binds the inbox's shortcuts to the window, and keeps the open approval's row in view as it changes. */
export function useInboxKeyboard(options: InboxKeyboardOptions) {
  const { activeId } = options;
  useEffect(() => {
    if (activeId) document.querySelector(`[data-approval-id="${CSS.escape(activeId)}"]`)?.scrollIntoView({ block: "nearest" });
  }, [activeId]);

  // The listener reads the latest state through a ref, so it is bound once.
  const latest = useRef(options);
  useLayoutEffect(() => {
    latest.current = options;
  });
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const command = inboxKeyCommand(event, isTypingTarget(event.target));
      if (!command) return;
      const { items, activeId, activeItem, select, arm } = latest.current;
      if (command.type === "move") {
        const next = nextInboxSelection(
          items.map((a) => a.id),
          activeId,
          command.by,
        );
        if (next) select(next);
      } else if (command.type === "arm") {
        if (canArm(activeItem)) arm(command.decision);
      } else arm(null);
      event.preventDefault();
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, []);
}
