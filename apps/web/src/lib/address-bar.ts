/**
 * Puts a view's state in the address bar without a navigation (Next.js keeps its router in step),
 * so the view can be shared or reloaded. An empty value removes the parameter.
 *
 * An address that would not change is left alone: Next.js answers every replaceState with a router
 * update, and one made while a streamed page is still hydrating (a view's first effect writes back the
 * filters it was rendered with) makes React render the page on the client instead, leaving the
 * stream's copy in its hidden holder.
 */
export function replaceSearchParams(changes: Record<string, string | undefined>): void {
  const url = new URL(window.location.href);
  for (const [key, value] of Object.entries(changes)) {
    if (value) url.searchParams.set(key, value);
    else url.searchParams.delete(key);
  }
  const next = `${url.pathname}${url.search}`;
  if (next === `${window.location.pathname}${window.location.search}`) return;
  window.history.replaceState(window.history.state, "", next);
}
