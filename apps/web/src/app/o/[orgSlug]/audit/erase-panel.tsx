"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useId, useRef, useState, type FormEvent, type RefObject } from "react";
import { Button, buttonClass } from "@/components/button";
import { ApiError, eraseAuditData } from "@/lib/api-client";
import { approvalKeys } from "@/lib/approvals";
import {
  checkErasure,
  erasureFieldOf,
  erasureResultText,
  erasureTargetText,
  REASON_MAX,
  SUBJECT_MAX,
  SUBJECT_MIN,
  type AuditErasureBody,
  type AuditErasureOutcome,
} from "@/lib/erasure";
import { INPUT_CLASS } from "@/components/form-fields";

/** What the panel opens on: a subject to type, or entries (the entry open in the table). */
export type ErasureTarget = { target: "subject" } | { target: "entries"; entryIds: string };

type Field = "subject" | "entryIds" | "reason";

/**
 * Audit → Entries → "Erase personal data" (owners: audit.erase; docs/adr/0023-erasure.md). Three steps:
 * what to erase (a subject, or entries) and why; a confirmation that says plainly what happens and that
 * it cannot be undone; then what was erased and the entry that records it — or, while the two-admin
 * rule is on, that nothing is erased until another owner or admin approves it, with a link to the approval.
 */
export function ErasePanel({
  orgSlug,
  initial,
  onClose,
  onShowEntry,
}: {
  orgSlug: string;
  initial: ErasureTarget;
  onClose: () => void;
  /** Shows an entry in the table (the erasure's own). */
  onShowEntry: (entryId: string) => void;
}) {
  const queryClient = useQueryClient();
  const headingId = useId();
  const [target, setTarget] = useState<"subject" | "entries">(initial.target);
  const [subject, setSubject] = useState("");
  const [entryIds, setEntryIds] = useState(initial.target === "entries" ? initial.entryIds : "");
  const [reason, setReason] = useState("");
  const [fields, setFields] = useState<Partial<Record<Field, string>>>({});
  const [confirming, setConfirming] = useState<AuditErasureBody | null>(null);
  const firstInput = useRef<HTMLInputElement>(null);
  const reasonInput = useRef<HTMLTextAreaElement>(null);
  const confirmGroup = useRef<HTMLDivElement>(null);

  const erasure = useMutation({
    mutationFn: (body: AuditErasureBody) => eraseAuditData(orgSlug, body),
    onSuccess: () => {
      // Every copy the page holds of an entry, an approval or a decision may have lost a value.
      void queryClient.invalidateQueries({ queryKey: ["audit", orgSlug] });
      void queryClient.invalidateQueries({ queryKey: approvalKeys.all(orgSlug) });
      void queryClient.invalidateQueries({ queryKey: approvalKeys.agentDecisions(orgSlug) });
    },
    onError: (error) => {
      // A refusal that names a field goes back to the form, at that field.
      const named = error instanceof ApiError ? error.issues.flatMap((issue) => (erasureFieldOf(issue.path) ? [[erasureFieldOf(issue.path), issue.message] as const] : [])) : [];
      if (named.length === 0) return;
      setFields(Object.fromEntries(named.reverse()));
      setConfirming(null);
    },
  });

  useEffect(() => {
    // Opened from an entry, the ids are filled in: the reason is what is left to write.
    if (initial.target === "entries" && initial.entryIds) reasonInput.current?.focus();
    else firstInput.current?.focus();
  }, [initial]);

  useEffect(() => {
    if (confirming) confirmGroup.current?.focus();
  }, [confirming]);

  const review = (event: FormEvent) => {
    event.preventDefault();
    const checked = checkErasure(target === "subject" ? { target, subject, reason } : { target, entryIds, reason });
    if (!checked.ok) return setFields(checked.fields);
    setFields({});
    erasure.reset();
    setConfirming(checked.body);
  };

  const result = erasure.data;
  const done = result && confirming ? { result, body: confirming } : null;

  return (
    <section aria-labelledby={headingId} data-testid="erase-panel" className="mt-4 rounded-xl border border-red-200 bg-white p-5 shadow-xs">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <h2 id={headingId} className="text-lg font-semibold">
          Erase personal data
        </h2>
        <Button size="xs" variant="ghost" onClick={onClose} disabled={erasure.isPending}>
          Close
        </Button>
      </div>
      <p className="mt-1 max-w-3xl text-sm text-stone-600">
        Removes the values of the fields a decision or an outcome committed to — its metadata, data accessed, the values its conditions read, an outcome&apos;s message — from the
        audit log, keeping the log verifiable.
      </p>

      {done ? (
        <ErasureResult {...done} orgSlug={orgSlug} onShowEntry={onShowEntry} onClose={onClose} />
      ) : confirming ? (
        <div
          ref={confirmGroup}
          tabIndex={-1}
          role="group"
          aria-labelledby={`${headingId}-confirm`}
          data-testid="erase-confirm"
          onKeyDown={(event) => {
            if (event.key === "Escape" && !erasure.isPending) setConfirming(null);
          }}
          className="mt-4 rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-950 outline-none"
        >
          <p id={`${headingId}-confirm`} className="font-medium">
            Erase {erasureTargetText(confirming)}? This cannot be undone.
          </p>
          <ul className="mt-2 list-disc space-y-1 pl-5">
            <li>
              The values are removed from the audit log and from the console&apos;s copies of them (the action&apos;s metadata, data accessed, its conditions, its outcome message).
            </li>
            <li>
              The log stays verifiable: no hash, checkpoint or proof changes. The erasure is an entry of its own, naming you, the time and this reason, as written:{" "}
              <q className="[overflow-wrap:anywhere]">{confirming.reason}</q>
            </li>
            <li>Copies made before — an export someone kept, a backup — still hold the values: erasure does not reach them.</li>
            <li>While the two-admin rule is on, nothing is erased until another owner or admin approves it; otherwise the other owners are told by email.</li>
            <li>
              Entries written before the second entry format hold their values in their hashed text and cannot be erased{confirming.entryIds ? " (naming one is refused)" : ""}.
            </li>
          </ul>
          {erasure.isError ? (
            <p role="alert" className="mt-2 text-red-800">
              Nothing was erased: {erasure.error.message}
              {erasure.error instanceof ApiError && erasure.error.requestId ? <span className="ml-1 font-mono text-xs">({erasure.error.requestId})</span> : null}
            </p>
          ) : null}
          <div className="mt-3 flex gap-2">
            <button type="button" onClick={() => erasure.mutate(confirming)} disabled={erasure.isPending} className={buttonClass({ variant: "danger" })}>
              {erasure.isPending ? "Erasing…" : "Erase permanently"}
            </button>
            <button type="button" onClick={() => setConfirming(null)} disabled={erasure.isPending} className={buttonClass()}>
              Back
            </button>
          </div>
        </div>
      ) : (
        <form onSubmit={review} noValidate className="mt-4 max-w-2xl space-y-4">
          <fieldset className="space-y-3">
            <legend className="text-sm font-medium text-stone-700">What to erase</legend>
            <label className="flex items-center gap-2 text-sm text-stone-800">
              <input type="radio" name="erase-target" value="subject" checked={target === "subject"} onChange={() => setTarget("subject")} />
              Every field, in every entry, that contains a subject
            </label>
            {target === "subject" ? (
              <TextInput
                id="erase-subject"
                label="Subject"
                value={subject}
                onChange={setSubject}
                error={fields.subject}
                hint={`An email address, a customer id: ${SUBJECT_MIN}–${SUBJECT_MAX} characters, matched exactly as written (case matters), found in at most 1,000 entries. It is not written to the log; only a keyed hash of it is.`}
                inputRef={firstInput}
              />
            ) : null}
            <label className="flex items-center gap-2 text-sm text-stone-800">
              <input type="radio" name="erase-target" value="entries" checked={target === "entries"} onChange={() => setTarget("entries")} />
              Every field of some entries
            </label>
            {target === "entries" ? (
              <TextInput
                id="erase-entry-ids"
                label="Entry ids"
                value={entryIds}
                onChange={setEntryIds}
                error={fields.entryIds}
                hint="aud_… ids, separated by spaces or commas (up to 1,000); the entry open in the table is filled in."
                inputRef={firstInput}
                mono
              />
            ) : null}
          </fieldset>
          <div className="space-y-1">
            <label htmlFor="erase-reason" className="block text-sm font-medium text-stone-700">
              Reason
            </label>
            <textarea
              id="erase-reason"
              ref={reasonInput}
              value={reason}
              onChange={(event) => setReason(event.target.value)}
              rows={2}
              maxLength={REASON_MAX}
              aria-invalid={fields.reason ? true : undefined}
              aria-describedby={fields.reason ? "erase-reason-error" : "erase-reason-hint"}
              placeholder="e.g. erasure request #88"
              className={`${INPUT_CLASS} ${fields.reason ? "border-red-400" : ""}`}
            />
            {fields.reason ? (
              <p id="erase-reason-error" className="text-xs text-red-700">
                Reason {fields.reason}
              </p>
            ) : (
              <p id="erase-reason-hint" className="text-xs text-stone-500">
                Sealed into the log as written, for auditors: name no personal data here.
              </p>
            )}
          </div>
          <div className="flex gap-2">
            <Button type="submit" variant="danger">
              Review erasure…
            </Button>
            <Button onClick={onClose}>Cancel</Button>
          </div>
        </form>
      )}
    </section>
  );
}

function TextInput({
  id,
  label,
  value,
  onChange,
  error,
  hint,
  inputRef,
  mono = false,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
  hint: string;
  inputRef: RefObject<HTMLInputElement | null>;
  mono?: boolean;
}) {
  return (
    <div className="space-y-1 pl-6">
      <label htmlFor={id} className="block text-sm font-medium text-stone-700">
        {label}
      </label>
      <input
        id={id}
        ref={inputRef}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        spellCheck={false}
        autoComplete="off"
        aria-invalid={error ? true : undefined}
        aria-describedby={`${id}-${error ? "error" : "hint"}`}
        className={`${INPUT_CLASS} ${mono ? "font-mono text-xs" : ""} ${error ? "border-red-400" : ""}`}
      />
      {error ? (
        <p id={`${id}-error`} className="text-xs text-red-700">
          {label} {error}
        </p>
      ) : (
        <p id={`${id}-hint`} className="text-xs text-stone-500">
          {hint}
        </p>
      )}
    </div>
  );
}

function ErasureResult({
  result,
  body,
  orgSlug,
  onShowEntry,
  onClose,
}: {
  result: AuditErasureOutcome;
  body: AuditErasureBody;
  orgSlug: string;
  onShowEntry: (entryId: string) => void;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), []);
  if (result.status === "pending_approval") {
    return (
      <div
        ref={ref}
        tabIndex={-1}
        role="status"
        data-testid="erasure-pending"
        className="mt-4 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900 outline-none"
      >
        <p className="font-medium">{erasureResultText(result, body)}</p>
        <p className="mt-1">
          <Link href={`/o/${encodeURIComponent(orgSlug)}/approvals?approval=${encodeURIComponent(result.approvalId)}`} className="font-medium underline underline-offset-2">
            Open the approval
          </Link>
        </p>
        <div className="mt-3">
          <Button size="xs" onClick={onClose}>
            Done
          </Button>
        </div>
      </div>
    );
  }
  const entryId = result.erasureEntryId;
  return (
    <div
      ref={ref}
      tabIndex={-1}
      role="status"
      data-testid="erasure-result"
      data-erasure-entry-id={entryId ?? undefined}
      className="mt-4 rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-950 outline-none"
    >
      <p className="font-medium">{erasureResultText(result, body)}</p>
      {entryId !== null && result.erasureSeq !== null ? (
        <p className="mt-1">
          Recorded as entry #{result.erasureSeq} (<code className="font-mono text-xs">{entryId}</code>).{" "}
          <a
            href={`?type=audit.erased&entry=${encodeURIComponent(entryId)}`}
            onClick={(event) => {
              if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
              event.preventDefault();
              onShowEntry(entryId);
            }}
            className="font-medium underline underline-offset-2"
          >
            Show the erasure entry
          </a>
        </p>
      ) : null}
      <div className="mt-3">
        <Button size="xs" onClick={onClose}>
          Done
        </Button>
      </div>
    </div>
  );
}
