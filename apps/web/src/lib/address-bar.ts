/**
 * Puts a view's state in the address bar without a navigation (Next.js keeps its router in step),
 * so the view can be shared or reloaded. An empty value removes the parameter.
 */
export function replaceSearchParams(changes: Record<string, string | undefined>): void {
  const url = new URL(window.location.href);
  for (const [key, value] of Object.entries(changes)) {
    if (value) url.searchParams.set(key, value);
    else url.searchParams.delete(key);
  }
  window.history.replaceState(window.history.state, "", `${url.pathname}${url.search}`);
}
