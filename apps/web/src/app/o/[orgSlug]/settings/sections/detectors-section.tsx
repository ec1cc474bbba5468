"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/button";
import { FormAlert, INPUT_CLASS } from "@/components/form-fields";
import { ApiError } from "@/lib/api-client";
import {
  createDetector,
  deleteDetector,
  detectorKeys,
  fetchDetectors,
  keywordsOf,
  testDetector,
  updateDetector,
  type ContentDetectorView,
  type DetectorCandidate,
  type DetectorTestResult,
} from "@/lib/content-detectors";
import { SECTION } from "../settings-parts";

const CLASSES = [
  { value: "secrets", label: "Secret" },
  { value: "personalData", label: "Personal data" },
] as const;
const CHECKSUMS = [
  { value: "", label: "None" },
  { value: "luhn", label: "Luhn (card and account numbers)" },
  { value: "iban", label: "IBAN (mod 97)" },
] as const;

interface Draft {
  name: string;
  class: "secrets" | "personalData";
  pattern: string;
  keywords: string;
  checksum: "" | "luhn" | "iban";
  samples: string;
}

const EMPTY: Draft = { name: "", class: "secrets", pattern: "", keywords: "", checksum: "", samples: "" };

const candidateOf = (draft: Draft): DetectorCandidate => ({
  class: draft.class,
  pattern: draft.pattern,
  keywords: keywordsOf(draft.keywords),
  checksum: draft.checksum === "" ? null : draft.checksum,
});

/** A field's error from an answer: `pattern`, or `detector.pattern` for a test run. */
function fieldError(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  return error.fields[field] ?? error.fields[`detector.${field}`];
}

/**
 * Settings → Your own detectors (docs/content-detectors.md, "An org's own detectors"): patterns the content
 * screen looks for beside the built-in ones, in every call's metadata from the next call on. A candidate is
 * tried on samples before it is saved; a pattern that is not linear-time (RE2) is refused, naming why.
 */
export function DetectorsSection({ orgSlug }: { orgSlug: string }) {
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: detectorKeys.list(orgSlug), queryFn: ({ signal }) => fetchDetectors(orgSlug, signal) });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: detectorKeys.list(orgSlug) });
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [editing, setEditing] = useState<string | null>(null);
  const [tested, setTested] = useState<{ samples: string[]; result: DetectorTestResult } | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const test = useMutation({
    mutationFn: ({ samples }: { samples: string[] }) => testDetector(orgSlug, candidateOf(draft), samples),
    onSuccess: (result, { samples }) => setTested({ samples, result }),
  });
  const save = useMutation({
    mutationFn: () => {
      const body = { name: draft.name.trim(), ...candidateOf(draft) };
      return editing ? updateDetector(orgSlug, editing, body) : createDetector(orgSlug, body);
    },
    onSuccess: (detector) => {
      setSaved(`Saved ${detector.name}. From the next call, the screen looks for it.`);
      setDraft(EMPTY);
      setEditing(null);
      setTested(null);
      refresh();
    },
  });
  const remove = useMutation({ mutationFn: (id: string) => deleteDetector(orgSlug, id), onSuccess: refresh });
  const toggle = useMutation({ mutationFn: (detector: ContentDetectorView) => updateDetector(orgSlug, detector.id, { enabled: !detector.enabled }), onSuccess: refresh });

  // An edit makes the last answer stale: its error (or its hits) no longer describe the draft.
  const set = (patch: Partial<Draft>) => {
    setDraft((current) => ({ ...current, ...patch }));
    setSaved(null);
    save.reset();
    test.reset();
    if (patch.pattern !== undefined || patch.keywords !== undefined || patch.checksum !== undefined || patch.class !== undefined) setTested(null);
  };
  const samplesOf = () => draft.samples.split("\n").filter((line) => line.trim().length > 0);
  const runTest = () => test.mutate({ samples: samplesOf() });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    save.mutate();
  };
  const edit = (detector: ContentDetectorView) => {
    setEditing(detector.id);
    setDraft({ name: detector.name, class: detector.class, pattern: detector.pattern, keywords: detector.keywords.join(", "), checksum: detector.checksum ?? "", samples: "" });
    setTested(null);
    setSaved(null);
  };

  const error = save.error ?? test.error;
  const errors = { name: fieldError(error, "name"), pattern: fieldError(error, "pattern"), keywords: fieldError(error, "keywords"), samples: fieldError(error, "samples") };
  const detectors = query.data?.detectors ?? [];

  return (
    <section aria-labelledby="detectors-heading" className={SECTION}>
      <h2 id="detectors-heading" className="text-lg font-semibold">
        Your own detectors
      </h2>
      <p className="mt-1 text-sm text-stone-600">
        Patterns the screen looks for beside the built-in ones — an internal ticket reference, a customer number, an in-house key format. Their findings are named by the detector
        and handled by the rule of their class above. Patterns are RE2 (linear-time): no backreferences and no lookaround.
      </p>
      {query.error ? <FormAlert>Could not load the detectors: {query.error.message}</FormAlert> : null}
      {detectors.length === 0 ? (
        <p className="mt-3 text-sm text-stone-500">No detectors of your own yet.</p>
      ) : (
        <ul aria-label="Your detectors" className="mt-3 divide-y divide-stone-100 rounded-lg border border-stone-200">
          {detectors.map((detector) => (
            <li key={detector.id} className="flex flex-wrap items-center justify-between gap-2 px-3 py-2 text-sm">
              <div>
                <span className="font-mono font-medium">{detector.name}</span>{" "}
                <span className="text-stone-500">
                  {detector.class === "secrets" ? "secret" : "personal data"} · <code className="font-mono text-xs">{detector.pattern}</code>
                  {detector.enabled ? "" : " · disabled"}
                </span>
              </div>
              <div className="flex gap-2">
                <Button type="button" onClick={() => edit(detector)}>
                  Edit
                </Button>
                <Button type="button" onClick={() => toggle.mutate(detector)} disabled={toggle.isPending}>
                  {detector.enabled ? "Disable" : "Enable"}
                </Button>
                <Button type="button" onClick={() => remove.mutate(detector.id)} disabled={remove.isPending} aria-label={`Delete ${detector.name}`}>
                  Delete
                </Button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {remove.error || toggle.error ? <FormAlert>{(remove.error ?? toggle.error)?.message}</FormAlert> : null}
      <form onSubmit={submit} noValidate aria-label={editing ? "Change detector" : "Add detector"} className="mt-4 space-y-3">
        <h3 className="text-sm font-semibold">{editing ? `Change ${draft.name}` : "Add a detector"}</h3>
        <div className="grid gap-3 sm:grid-cols-2">
          <div className="space-y-1">
            <label htmlFor="detector-name" className="block text-sm font-medium text-stone-700">
              Name
            </label>
            <input
              id="detector-name"
              value={draft.name}
              onChange={(e) => set({ name: e.target.value })}
              placeholder="acme_ticket"
              className={INPUT_CLASS}
              aria-invalid={errors.name ? true : undefined}
            />
            {errors.name ? <p className="text-xs text-red-700">Name {errors.name}</p> : <p className="text-xs text-stone-500">a-z, 0-9 and _; names its findings.</p>}
          </div>
          <div className="space-y-1">
            <label htmlFor="detector-class" className="block text-sm font-medium text-stone-700">
              Class
            </label>
            <select id="detector-class" value={draft.class} onChange={(e) => set({ class: e.target.value as Draft["class"] })} className={INPUT_CLASS}>
              {CLASSES.map((choice) => (
                <option key={choice.value} value={choice.value}>
                  {choice.label}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div className="space-y-1">
          <label htmlFor="detector-pattern" className="block text-sm font-medium text-stone-700">
            Pattern (RE2)
          </label>
          <input
            id="detector-pattern"
            value={draft.pattern}
            onChange={(e) => set({ pattern: e.target.value })}
            placeholder="ACME-[0-9]{8}"
            className={`${INPUT_CLASS} font-mono`}
            aria-invalid={errors.pattern ? true : undefined}
          />
          {errors.pattern ? (
            <p role="alert" className="text-xs text-red-700">
              Pattern {errors.pattern}
            </p>
          ) : (
            <p className="text-xs text-stone-500">At most 256 characters; (?i) for case-insensitive.</p>
          )}
        </div>
        <div className="grid gap-3 sm:grid-cols-2">
          <div className="space-y-1">
            <label htmlFor="detector-keywords" className="block text-sm font-medium text-stone-700">
              Keywords <span className="font-normal text-stone-500">(optional, comma-separated)</span>
            </label>
            <input id="detector-keywords" value={draft.keywords} onChange={(e) => set({ keywords: e.target.value })} placeholder="acme-" className={INPUT_CLASS} />
            {errors.keywords ? (
              <p className="text-xs text-red-700">Keywords {errors.keywords}</p>
            ) : (
              <p className="text-xs text-stone-500">The pattern runs only on texts holding one (cheaper on every call).</p>
            )}
          </div>
          <div className="space-y-1">
            <label htmlFor="detector-checksum" className="block text-sm font-medium text-stone-700">
              Checksum
            </label>
            <select id="detector-checksum" value={draft.checksum} onChange={(e) => set({ checksum: e.target.value as Draft["checksum"] })} className={INPUT_CLASS}>
              {CHECKSUMS.map((choice) => (
                <option key={choice.value} value={choice.value}>
                  {choice.label}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div className="space-y-1">
          <label htmlFor="detector-samples" className="block text-sm font-medium text-stone-700">
            Samples to test on <span className="font-normal text-stone-500">(one per line; not saved)</span>
          </label>
          <textarea id="detector-samples" rows={3} value={draft.samples} onChange={(e) => set({ samples: e.target.value })} className={`${INPUT_CLASS} font-mono`} />
          {errors.samples ? <p className="text-xs text-red-700">Samples {errors.samples}</p> : null}
        </div>
        {tested ? (
          <ul aria-label="Test results" className="space-y-1 rounded-lg bg-stone-50 px-3 py-2 text-xs">
            {tested.result.results.map((result) => (
              <li key={result.sample}>
                <span className="font-mono">{tested.samples[result.sample]}</span> →{" "}
                {result.hits.length === 0 ? "no hit" : `${result.hits.length} hit${result.hits.length === 1 ? "" : "s"}: ${result.hits.map((hit) => hit.match).join(", ")}`}
              </li>
            ))}
          </ul>
        ) : null}
        {error && !errors.name && !errors.pattern && !errors.keywords && !errors.samples ? <FormAlert>{error.message}</FormAlert> : null}
        {saved ? (
          <p role="status" className="text-sm text-emerald-700">
            {saved}
          </p>
        ) : null}
        <div className="flex flex-wrap gap-2">
          <Button type="button" onClick={runTest} disabled={test.isPending || samplesOf().length === 0}>
            {test.isPending ? "Testing…" : "Test against samples"}
          </Button>
          <Button type="submit" variant="primary" disabled={save.isPending}>
            {save.isPending ? "Saving…" : editing ? "Save changes" : "Add detector"}
          </Button>
          {editing ? (
            <Button type="button" onClick={() => (setEditing(null), setDraft(EMPTY), setTested(null))}>
              Cancel
            </Button>
          ) : null}
        </div>
      </form>
    </section>
  );
}
