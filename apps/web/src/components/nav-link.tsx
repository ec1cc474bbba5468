"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";

/** `exact`: active on `href` itself only (the org home, whose path every org page starts with). */
export function NavLink({ href, exact = false, children }: { href: string; exact?: boolean; children: ReactNode }) {
  const pathname = usePathname();
  const active = pathname === href || (!exact && pathname.startsWith(`${href}/`));
  return (
    <Link
      href={href}
      aria-current={active ? "page" : undefined}
      className={`-mb-px inline-flex items-center border-b-2 px-1 pb-3 pt-1 text-sm font-medium ${
        active ? "border-stone-900 text-stone-900" : "border-transparent text-stone-500 hover:text-stone-800"
      }`}
    >
      {children}
    </Link>
  );
}
