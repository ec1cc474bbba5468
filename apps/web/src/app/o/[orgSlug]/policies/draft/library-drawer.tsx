"use client";

import { useQuery } from "@tanstack/react-query";
import { Button } from "@/components/button";
import { LoadError } from "@/components/panel-states";
import { countOf } from "@/lib/format";
import { fetchLibrary, policyKeys, type PolicyLibrary, type PolicyTemplate } from "@/lib/policies";

/** The template library, grouped by pack (a template in several packs shows under each); "Add to draft" appends its policies and tests. */
export function LibraryDrawer({ orgSlug, onAdd, onClose }: { orgSlug: string; onAdd: (template: PolicyTemplate) => void; onClose: () => void }) {
  const query = useQuery({ queryKey: policyKeys.library(orgSlug), queryFn: ({ signal }) => fetchLibrary(orgSlug, signal), staleTime: Infinity });
  return (
    <aside role="dialog" aria-label="Policy library" className="fixed inset-y-0 right-0 z-30 flex w-full max-w-md flex-col border-l border-stone-200 bg-white shadow-xl">
      <div className="flex items-center justify-between border-b border-stone-200 px-4 py-3">
        <h2 className="text-base font-semibold">Library</h2>
        <Button size="xs" variant="ghost" onClick={onClose}>
          Close
        </Button>
      </div>
      <div className="flex-1 space-y-6 overflow-y-auto p-4">
        {query.isPending ? (
          <div aria-busy="true" className="h-40 animate-pulse rounded-lg bg-stone-100" />
        ) : query.isError ? (
          <LoadError what="The library" error={query.error} onRetry={() => void query.refetch()} />
        ) : (
          groups(query.data).map((group) => (
            <section key={group.id} aria-label={group.title}>
              <h3 className="text-sm font-semibold">{group.title}</h3>
              {group.description ? <p className="text-xs text-stone-500">{group.description}</p> : null}
              <ul className="mt-2 space-y-2">
                {group.templates.map((template) => (
                  <li key={template.id} data-testid="library-template" className="rounded-lg border border-stone-200 p-3">
                    <div className="flex items-start justify-between gap-2">
                      <div>
                        <p className="text-sm font-medium">{template.title}</p>
                        <p className="text-xs text-stone-600">{template.summary}</p>
                      </div>
                      <Button size="xs" onClick={() => onAdd(template)} aria-label={`Add ${template.title} to draft`}>
                        Add to draft
                      </Button>
                    </div>
                    <p className="mt-2 text-xs text-stone-500">{template.rationale}</p>
                    <p className="mt-1 text-xs text-stone-400">
                      {countOf(template.policies.length, "policy", "policies")}, {countOf(template.tests.length, "test")}
                    </p>
                  </li>
                ))}
              </ul>
            </section>
          ))
        )}
      </div>
    </aside>
  );
}

function groups(library: PolicyLibrary): Array<{ id: string; title: string; description: string; templates: PolicyTemplate[] }> {
  const byId = new Map(library.templates.map((t) => [t.id, t]));
  const seen = new Set<string>();
  const out = library.packs.map((pack) => {
    const ids = new Set([...pack.controls.flatMap((c) => c.templates), ...library.templates.filter((t) => t.packs.includes(pack.id)).map((t) => t.id)]);
    const templates = [...ids].flatMap((id) => (byId.has(id) ? [byId.get(id) as PolicyTemplate] : []));
    for (const t of templates) seen.add(t.id);
    return { id: pack.id, title: `${pack.title}`, description: pack.description, templates };
  });
  const rest = library.templates.filter((t) => !seen.has(t.id));
  return [...out, ...(rest.length > 0 ? [{ id: "other", title: "Other templates", description: "", templates: rest }] : [])].filter((g) => g.templates.length > 0);
}
