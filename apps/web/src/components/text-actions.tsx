"use client";

import { useEffect, useState } from "react";
import { buttonClass } from "@/components/button";

interface TextActionProps {
  text: string;
  label: string;
  /** Read to screen readers after the label, to tell apart one row's button from the next. */
  context?: string;
}

const BUTTON = buttonClass({ size: "xs" });

/** Copies `text` to the clipboard and says so for a moment (or that the browser refused). */
export function CopyButton({ text, label, context }: TextActionProps) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  useEffect(() => {
    if (state === "idle") return;
    const timer = setTimeout(() => setState("idle"), 2_000);
    return () => clearTimeout(timer);
  }, [state]);

  return (
    <button
      type="button"
      onClick={() => {
        // The clipboard API exists in secure contexts only (https or localhost).
        if (!navigator.clipboard) return setState("failed");
        navigator.clipboard.writeText(text).then(
          () => setState("copied"),
          () => setState("failed"),
        );
      }}
      className={BUTTON}
    >
      <span aria-live="polite">{state === "copied" ? "Copied" : state === "failed" ? "Copy failed" : label}</span>
      {context ? <span className="sr-only"> {context}</span> : null}
    </button>
  );
}

/** Saves `text` as a file through the browser's download, without a round trip to the server. */
export function DownloadTextButton({ text, filename, label, context }: TextActionProps & { filename: string }) {
  return (
    <button
      type="button"
      onClick={() => {
        const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
        const link = document.createElement("a");
        link.href = url;
        link.download = filename;
        link.click();
        setTimeout(() => URL.revokeObjectURL(url), 1_000);
      }}
      className={BUTTON}
    >
      {label}
      {context ? <span className="sr-only"> {context}</span> : null}
    </button>
  );
}
