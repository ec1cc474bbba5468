"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import dynamic from "next/dynamic";
import Link from "next/link";
import { useCallback, useEffect, useState } from "react";
import { Button, buttonClass } from "@/components/button";
import { FormAlert } from "@/components/form-fields";
import { LoadError } from "@/components/panel-states";
import { formatDateTime } from "@/lib/format";
import {
  discardDraft,
  fetchDraft,
  fetchPolicySchema,
  policyKeys,
  publishDraft,
  saveDraft,
  testSource,
  type PolicyDraft,
  type PolicyTemplate,
  type PolicyTestRun,
  type PublishResult,
  type SourceIssue,
} from "@/lib/policies";
import { ApiError } from "@/lib/api-client";
import { appendToSource, convertSource, SourceError, type SourceFormat } from "@/lib/policy-source";
import { useAutosave } from "@/lib/use-autosave";
import { LibraryDrawer } from "./library-drawer";
import { PolicyForm } from "./policy-form";
import { PublishConfirm } from "./publish-confirm";
import { ReplayPanel } from "./replay-panel";
import { TestsPanel } from "./tests-panel";

// CodeMirror and the schema tooling run in the browser only (and load after the page).
const CodeEditor = dynamic(() => import("./code-editor").then((module) => module.CodeEditor), {
  ssr: false,
  loading: () => <div aria-busy="true" className="h-[32rem] animate-pulse rounded-lg border border-stone-200 bg-stone-50" />,
});

/** How long the author pauses before the source is checked (tests run), and before it is saved. */
const CHECK_DELAY_MS = 400;
const SAVE_DELAY_MS = 800;

interface Working {
  source: string;
  format: SourceFormat;
}

type Check = { source: string; format: SourceFormat } & ({ status: "ok"; run: PolicyTestRun } | { status: "issues"; issues: SourceIssue[] } | { status: "error"; error: Error });

const NO_ISSUES: readonly SourceIssue[] = [];

const same = (a: Working, b: Working) => a.source === b.source && a.format === b.format;
const isConflict = (error: unknown) => error instanceof ApiError && error.status === 409;

export function DraftEditor({ orgSlug }: { orgSlug: string }) {
  const queryClient = useQueryClient();
  const draft = useQuery({ queryKey: policyKeys.draft(orgSlug), queryFn: ({ signal }) => fetchDraft(orgSlug, signal), staleTime: Infinity, refetchOnWindowFocus: false });
  const schema = useQuery({ queryKey: policyKeys.schema(orgSlug), queryFn: ({ signal }) => fetchPolicySchema(orgSlug, signal), staleTime: Infinity });

  // The working copy, saved to the draft after each pause; a save by someone else since stops it (a conflict).
  const autosave = useAutosave<Working, PolicyDraft>({
    save: (value, revision) => saveDraft(orgSlug, { ...value, revision }),
    same,
    isConflict,
    delayMs: SAVE_DELAY_MS,
  });
  const { value: working, record: meta, status: saveState, error: saveError, load: loadWorking, flush } = autosave;
  const load = useCallback((value: PolicyDraft) => loadWorking({ source: value.source, format: value.format }, value), [loadWorking]);
  const loaded = working !== null;
  useEffect(() => {
    if (draft.data && !loaded) load(draft.data);
  }, [draft.data, loaded, load]);

  // Check as the author types: the server parses the source (issues with lines) and runs its tests.
  const [check, setCheck] = useState<Check | null>(null);
  const [checking, setChecking] = useState(false);
  useEffect(() => {
    if (!working) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      setChecking(true);
      testSource(orgSlug, working, controller.signal).then(
        (run) => (setCheck({ ...working, status: "ok", run }), setChecking(false)),
        (error: unknown) => {
          if (controller.signal.aborted) return;
          setChecking(false);
          if (error instanceof ApiError && error.status === 400 && error.issues.length > 0) setCheck({ ...working, status: "issues", issues: error.issues });
          else setCheck({ ...working, status: "error", error: error instanceof Error ? error : new Error(String(error)) });
        },
      );
    }, CHECK_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [orgSlug, working]);

  const [publishing, setPublishing] = useState(false);
  const [published, setPublished] = useState<PublishResult | null>(null);
  const [publishError, setPublishError] = useState<ApiError | Error | null>(null);
  const [confirmDiscard, setConfirmDiscard] = useState(false);
  // Publishing asks first: what changes, a replay, then the button that publishes.
  const [confirmPublish, setConfirmPublish] = useState(false);
  const [libraryOpen, setLibraryOpen] = useState(false);
  const [editError, setEditError] = useState<string | null>(null);

  const reload = async () => {
    const fresh = await draft.refetch();
    if (fresh.data) load(fresh.data);
  };

  const edit = (source: string, format?: SourceFormat) => {
    setEditError(null);
    setPublished(null);
    setConfirmPublish(false);
    autosave.edit((current) => ({ source, format: format ?? current?.format ?? "yaml" }));
  };

  if (draft.isPending || (draft.data && working === null)) return <div aria-busy="true" className="h-[32rem] animate-pulse rounded-xl bg-stone-100" />;
  if (draft.isError && working === null) return <LoadError what="The draft" error={draft.error} onRetry={() => void draft.refetch()} />;
  if (!working) return null;

  // Only a check of the source as it is now speaks about it: an older one's issues name other lines.
  const current = check && check.source === working.source && check.format === working.format ? check : null;
  const issues = current === null || current.status === "error" ? null : current.status === "issues" ? current.issues : NO_ISSUES;
  const run = check?.status === "ok" ? check.run : null;
  const testsFail = run !== null && run.failed > 0;
  const canPublish = current?.status === "ok" && current.run.failed === 0 && saveState !== "conflict" && !publishing;
  const publishBlocker =
    current === null
      ? "checking the draft…"
      : current.status === "issues"
        ? "fix the errors first"
        : current.status === "error"
          ? "the draft could not be checked"
          : testsFail
            ? "tests fail"
            : null;

  const publish = async () => {
    setPublishError(null);
    setPublished(null);
    setPublishing(true);
    try {
      if (!(await flush())) return;
      const result = await publishDraft(orgSlug, autosave.revision());
      setConfirmPublish(false);
      setPublished(result);
      void queryClient.invalidateQueries({ queryKey: policyKeys.all(orgSlug) });
      if (result.status === "published") {
        const fresh = await fetchDraft(orgSlug);
        load(fresh);
      }
    } catch (error) {
      if (isConflict(error)) autosave.conflict();
      setPublishError(error instanceof Error ? error : new Error(String(error)));
    } finally {
      setPublishing(false);
    }
  };

  const discard = async () => {
    setConfirmDiscard(false);
    try {
      await discardDraft(orgSlug);
      const fresh = await fetchDraft(orgSlug);
      load(fresh);
      setPublished(null);
    } catch (error) {
      setPublishError(error instanceof Error ? error : new Error(String(error)));
    }
  };

  const switchFormat = (format: SourceFormat) => {
    if (format === working.format) return;
    try {
      edit(convertSource(working.source, working.format, format), format);
    } catch (error) {
      setEditError(error instanceof SourceError ? `Cannot switch to ${format.toUpperCase()}: ${error.message}` : String(error));
    }
  };

  const addTemplate = (template: PolicyTemplate) => {
    try {
      edit(appendToSource(working.source, working.format, { policies: template.policies, tests: template.tests }));
      setLibraryOpen(false);
    } catch (error) {
      setEditError(error instanceof SourceError ? error.message : String(error));
    }
  };

  const base = `/o/${encodeURIComponent(orgSlug)}`;
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <Link href={`${base}/policies`} className="text-sm text-stone-600 underline">
            ← Policies
          </Link>
          <h1 className="mt-1 text-xl font-semibold">Draft policy set</h1>
          <p className="mt-1 text-sm text-stone-600">Changes are saved to a draft, not live: agents are decided by the published set until you publish.</p>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <span data-testid="save-state" className="text-xs text-stone-500">
            {saveState === "saving"
              ? "Saving…"
              : saveState === "dirty"
                ? "Unsaved changes"
                : saveState === "saved"
                  ? meta && meta.revision > 0
                    ? `Draft saved ${formatDateTime(meta.updatedAt)}${meta.updatedBy ? ` by ${meta.updatedBy.email}` : ""}`
                    : "No changes yet"
                  : null}
          </span>
          <Button size="sm" onClick={() => setLibraryOpen(true)}>
            Library
          </Button>
          {confirmDiscard ? (
            <>
              <Button size="sm" variant="danger" onClick={() => void discard()}>
                Discard all changes
              </Button>
              <Button size="sm" variant="ghost" onClick={() => setConfirmDiscard(false)}>
                Keep
              </Button>
            </>
          ) : (
            <Button size="sm" variant="ghost" onClick={() => setConfirmDiscard(true)}>
              Discard draft
            </Button>
          )}
          <Button
            size="sm"
            variant="primary"
            onClick={() => setConfirmPublish(true)}
            disabled={!canPublish || confirmPublish}
            aria-expanded={confirmPublish}
            title={publishBlocker ?? "See what publishing changes, then publish"}
          >
            Publish…
          </Button>
        </div>
      </div>

      {saveState === "conflict" ? (
        <div role="alert" className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900">
          <span>This draft was changed elsewhere — reload to continue (your unsaved edits here are replaced).</span>
          <Button size="xs" onClick={() => void reload()}>
            Reload
          </Button>
        </div>
      ) : null}
      {saveState === "error" && saveError ? <FormAlert>Could not save the draft: {saveError.message}</FormAlert> : null}
      {editError ? <FormAlert>{editError}</FormAlert> : null}
      {publishError ? (
        <div role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          Not published: {publishError.message}
          {publishError instanceof ApiError && publishError.issues.length > 0 ? (
            <ul className="mt-1 list-disc pl-5 text-xs">
              {publishError.issues.map((issue, i) => (
                <li key={i}>
                  {issue.path}: {issue.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {confirmPublish && (canPublish || publishing) ? (
        <PublishConfirm
          orgSlug={orgSlug}
          source={working.source}
          format={working.format}
          prepare={flush}
          publishing={publishing}
          onConfirm={() => void publish()}
          onCancel={() => setConfirmPublish(false)}
        />
      ) : null}
      {published ? <PublishedNotice orgSlug={orgSlug} result={published} /> : null}

      <div className="grid gap-6 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <div className="space-y-3">
          <div className="flex items-center gap-2">
            <div role="group" aria-label="Format" className="flex gap-1">
              {(["yaml", "json"] as const).map((format) => (
                <button
                  key={format}
                  type="button"
                  aria-pressed={working.format === format}
                  onClick={() => switchFormat(format)}
                  className={buttonClass({ size: "xs", variant: working.format === format ? "primary" : "secondary" })}
                >
                  {format.toUpperCase()}
                </button>
              ))}
            </div>
            <span className="text-xs text-stone-500">Ctrl-Space completes; hover a field for its documentation.</span>
          </div>
          <CodeEditor value={working.source} format={working.format} schema={schema.data} issues={issues} onChange={(source) => edit(source)} />
          <IssueList check={check} />
        </div>
        <div className="space-y-6">
          <details className="rounded-xl border border-stone-200 bg-white p-4" open>
            <summary className="cursor-pointer text-sm font-semibold">Edit one policy</summary>
            <div className="mt-3">
              <PolicyForm key={`${working.format}`} source={working.source} format={working.format} onApply={(source) => edit(source)} />
            </div>
          </details>
          <div className="rounded-xl border border-stone-200 bg-white p-4">
            <TestsPanel run={run} checking={checking} source={working.source} format={working.format} onAppend={(source) => edit(source)} />
          </div>
          <div className="rounded-xl border border-stone-200 bg-white p-4">
            <ReplayPanel orgSlug={orgSlug} source={working.source} format={working.format} />
          </div>
        </div>
      </div>
      {libraryOpen ? <LibraryDrawer orgSlug={orgSlug} onAdd={addTemplate} onClose={() => setLibraryOpen(false)} /> : null}
    </div>
  );
}

function IssueList({ check }: { check: Check | null }) {
  if (check?.status === "error") return <FormAlert>Could not check the draft: {check.error.message}</FormAlert>;
  if (check?.status !== "issues") {
    return check?.status === "ok" ? (
      <p data-testid="source-ok" className="text-xs text-emerald-700">
        The draft parses.
      </p>
    ) : null;
  }
  return (
    <ul aria-label="Errors" className="space-y-1 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-xs text-red-800">
      {check.issues.map((issue, i) => (
        <li key={i} data-testid="source-issue" data-line={issue.line ?? ""}>
          {issue.line !== undefined ? <span className="mr-1 font-semibold">Line {issue.line}</span> : null}
          <span className="font-mono">{issue.path}</span>: {issue.message}
        </li>
      ))}
    </ul>
  );
}

function PublishedNotice({ orgSlug, result }: { orgSlug: string; result: PublishResult }) {
  const base = `/o/${encodeURIComponent(orgSlug)}`;
  if (result.status === "pending_approval") {
    return (
      <div role="status" data-testid="publish-pending" className="rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900">
        Waiting for a second admin&apos;s approval before the set goes live.{" "}
        <Link href={`${base}/approvals?approval=${encodeURIComponent(result.approvalId)}`} className="font-medium underline">
          Open the approval
        </Link>
      </div>
    );
  }
  const { diff } = result;
  const link = (name: string) => (
    <Link href={`${base}/policies/${encodeURIComponent(name)}`} className="font-mono underline">
      {name}
    </Link>
  );
  const nothing = diff.created.length + diff.updated.length + diff.archived.length === 0;
  return (
    <div role="status" data-testid="publish-result" className="rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-900">
      <p className="font-medium">{nothing ? "Published: nothing changed." : "Published."}</p>
      <ul className="mt-1 space-y-0.5 text-xs">
        {diff.created.map((c) => (
          <li key={`c-${c.name}`}>
            Created {link(c.name)} v{c.version}
          </li>
        ))}
        {diff.updated.map((c) => (
          <li key={`u-${c.name}`}>
            Updated {link(c.name)} v{c.previousVersion} → v{c.version}
          </li>
        ))}
        {diff.archived.map((c) => (
          <li key={`a-${c.name}`}>Archived {c.name}</li>
        ))}
      </ul>
    </div>
  );
}
