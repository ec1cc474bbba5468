"use client";

import Link from "next/link";
import { useRef } from "react";

export interface OrgOption {
  slug: string;
  name: string;
  role: string;
  /** Closed orgs stay in an owner's list, marked, for their audit log. */
  closed?: boolean;
}

const label = (org: OrgOption) => (org.closed ? `${org.name} (closed)` : org.name);

/**
 * The org of the page and a menu of the user's other orgs, with "New organization…" (to /orgs/new)
 * when the user may create one: so it shows with a single org too, for making a second. Without
 * another org or the right to create one, just the name.
 */
export function OrgSwitcher({ current, orgs, canCreateOrg }: { current: OrgOption; orgs: OrgOption[]; canCreateOrg: boolean }) {
  const menu = useRef<HTMLDetailsElement>(null);
  // Following one of its links closes the menu (the header stays mounted across the navigation).
  const closeMenu = () => {
    if (menu.current) menu.current.open = false;
  };
  const others = orgs.filter((org) => org.slug !== current.slug);
  const role = <span className="shrink-0 rounded-full bg-stone-100 px-2 py-0.5 text-xs font-medium text-stone-600">{current.role}</span>;

  if (others.length === 0 && !canCreateOrg) {
    return (
      <span className="flex min-w-0 items-center gap-2 text-sm font-medium">
        <span className="truncate">{label(current)}</span>
        {role}
      </span>
    );
  }

  return (
    <span className="flex min-w-0 items-center gap-2">
      <details ref={menu} className="relative min-w-0">
        <summary
          title="Switch organization, or create one"
          className="flex max-w-56 cursor-pointer list-none items-center gap-1 rounded-md border border-stone-200 bg-white py-1 pr-2 pl-2 text-sm font-medium hover:border-stone-300"
        >
          <span className="truncate">{label(current)}</span>
          <span aria-hidden="true" className="text-stone-400">
            ▾
          </span>
        </summary>
        <nav aria-label="Your organizations" onClick={closeMenu} className="absolute left-0 z-20 mt-1 w-64 rounded-md border border-stone-200 bg-white py-1 text-sm shadow-lg">
          <ul>
            {others.map((org) => (
              <li key={org.slug}>
                <Link href={`/o/${encodeURIComponent(org.slug)}`} className="block truncate px-3 py-1.5 hover:bg-stone-100">
                  {label(org)}
                </Link>
              </li>
            ))}
            {canCreateOrg ? (
              <li className={others.length > 0 ? "mt-1 border-t border-stone-100 pt-1" : undefined}>
                <Link href="/orgs/new" className="block px-3 py-1.5 text-stone-700 hover:bg-stone-100">
                  New organization…
                </Link>
              </li>
            ) : null}
          </ul>
        </nav>
      </details>
      {role}
    </span>
  );
}
