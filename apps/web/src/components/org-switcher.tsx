"use client";

import { useRouter } from "next/navigation";

export interface OrgOption {
  slug: string;
  name: string;
  role: string;
}

export function OrgSwitcher({ current, orgs }: { current: OrgOption; orgs: OrgOption[] }) {
  const router = useRouter();
  const role = <span className="shrink-0 rounded-full bg-stone-100 px-2 py-0.5 text-xs font-medium text-stone-600">{current.role}</span>;

  if (orgs.length < 2) {
    return (
      <span className="flex min-w-0 items-center gap-2 text-sm font-medium">
        <span className="truncate">{current.name}</span>
        {role}
      </span>
    );
  }

  return (
    <span className="flex min-w-0 items-center gap-2">
      <label htmlFor="org-switcher" className="sr-only">
        Organization
      </label>
      <select
        id="org-switcher"
        value={current.slug}
        onChange={(event) => router.push(`/o/${encodeURIComponent(event.target.value)}/audit`)}
        className="min-w-0 max-w-56 truncate rounded-md border border-stone-200 bg-white py-1 pl-2 pr-7 text-sm font-medium hover:border-stone-300"
      >
        {orgs.map((org) => (
          <option key={org.slug} value={org.slug}>
            {org.name}
          </option>
        ))}
      </select>
      {role}
    </span>
  );
}
