"use client";

import { createContext, useContext, type ReactNode } from "react";
import { denialLine, denialText, type DenialTexts } from "@/lib/denial-reasons";

// The denial reasons' texts from core's table, handed down by the org layout (a server component), so
// every page of the org shows a reason the same way without importing core in the browser.

const DenialTextsContext = createContext<DenialTexts>({});

export function DenialTextsProvider({ texts, children }: { texts: DenialTexts; children: ReactNode }) {
  return <DenialTextsContext.Provider value={texts}>{children}</DenialTextsContext.Provider>;
}

/** A reason's code with its meaning: inline (the code, the text after it) or compact (the code, the text on hover). */
export function DenialReason({ code, compact = false, className }: { code: string; compact?: boolean; className?: string }) {
  const texts = useContext(DenialTextsContext);
  const text = denialText(code, texts);
  if (compact || !text) {
    return (
      <span data-testid="denial-reason" data-code={code} title={text ?? undefined} className={className}>
        {code}
      </span>
    );
  }
  return (
    <span data-testid="denial-reason" data-code={code} className={className}>
      <span className="font-mono">{code}</span>: {text}
    </span>
  );
}

/** The reason as one line of text ("CONTENT_DENIED: it carries …"), for a title or a table of facts. */
export function useDenialLine(): (code: string) => string {
  const texts = useContext(DenialTextsContext);
  return (code) => denialLine(code, texts);
}
