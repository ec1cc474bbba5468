"use client";

import { useEffect, useState } from "react";

/**
 * The Settings page's section index: a link to each section's heading, read from the page itself once it is
 * shown, so a new section (one file) appears here without being listed anywhere. Sticky beside the sections on a
 * wide screen; on a narrow one, a row of links above them.
 */
export function SectionIndex({ containerId }: { containerId: string }) {
  const [sections, setSections] = useState<Array<{ id: string; label: string }>>([]);
  useEffect(() => {
    const container = document.getElementById(containerId);
    if (!container) return;
    setSections([...container.querySelectorAll<HTMLHeadingElement>("section > h2[id]")].map((h) => ({ id: h.id, label: h.textContent?.trim() ?? h.id })));
  }, [containerId]);
  if (sections.length === 0) return null;
  return (
    <nav aria-label="Settings sections" className="xl:sticky xl:top-6">
      <ul className="flex flex-wrap gap-x-4 gap-y-1 text-sm xl:flex-col xl:gap-y-1.5">
        {sections.map((section) => (
          <li key={section.id}>
            <a href={`#${section.id}`} className="text-stone-600 underline-offset-2 hover:text-stone-900 hover:underline">
              {section.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
