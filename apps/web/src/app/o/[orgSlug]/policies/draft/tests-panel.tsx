"use client";

import { useState, type FormEvent } from "react";
import { Button } from "@/components/button";
import { INPUT_CLASS } from "@/components/form-fields";
import { EFFECT_LABELS, type PolicyTestRun } from "@/lib/policies";
import { appendToSource, EFFECTS, SourceError, type SourceFormat } from "@/lib/policy-source";

/** "(none)": the test expects no policy to apply (NO_POLICY); empty: any policy may decide. */
const NO_POLICY = "(none)";

/** The draft's tests with their result as of the last check, and a form that appends one to the source. */
export function TestsPanel({
  run,
  checking,
  source,
  format,
  onAppend,
}: {
  run: PolicyTestRun | null;
  checking: boolean;
  source: string;
  format: SourceFormat;
  onAppend: (source: string) => void;
}) {
  const [adding, setAdding] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    let metadata: unknown = {};
    if (text("metadata")) {
      try {
        metadata = JSON.parse(text("metadata"));
      } catch {
        setError("Metadata must be a JSON object.");
        return;
      }
      if (!metadata || typeof metadata !== "object" || Array.isArray(metadata)) {
        setError("Metadata must be a JSON object.");
        return;
      }
    }
    const policy = text("policy");
    const test = {
      name: text("name"),
      request: { actionType: text("actionType"), ...(text("agent") ? { agent: text("agent") } : {}), ...(Object.keys(metadata as object).length > 0 ? { metadata } : {}) },
      expect: { effect: text("effect"), ...(policy ? { policy: policy === NO_POLICY ? null : policy } : {}) },
    };
    try {
      onAppend(appendToSource(source, format, { tests: [test] }));
      setError(null);
      setAdding(false);
    } catch (caught) {
      setError(caught instanceof SourceError ? caught.message : String(caught));
    }
  };

  const label = "block space-y-1 text-xs font-medium text-stone-700";
  return (
    <section aria-labelledby="tests-title" className="space-y-3">
      <div className="flex items-center justify-between gap-2">
        <h2 id="tests-title" className="text-sm font-semibold">
          Tests{" "}
          {run ? (
            <span data-testid="tests-summary" className={`ml-1 text-xs font-normal ${run.failed > 0 ? "text-red-700" : "text-emerald-700"}`}>
              {run.passed} passed, {run.failed} failed
            </span>
          ) : null}
          {checking ? <span className="ml-1 text-xs font-normal text-stone-500">checking…</span> : null}
        </h2>
        {!adding ? (
          <Button size="xs" onClick={() => setAdding(true)}>
            Add test
          </Button>
        ) : null}
      </div>
      {adding ? (
        <form onSubmit={submit} aria-label="Add test" className="space-y-2 rounded-lg border border-stone-200 bg-stone-50 p-3">
          <label className={label}>
            <span>Name</span>
            <input name="name" required maxLength={200} className={INPUT_CLASS} />
          </label>
          <div className="grid grid-cols-2 gap-2">
            <label className={label}>
              <span>Action type</span>
              <input name="actionType" required pattern="[a-z0-9][a-z0-9._:\-]*" placeholder="pr.merge" className={INPUT_CLASS} />
            </label>
            <label className={label}>
              <span>Agent</span>
              <input name="agent" placeholder="test-agent" className={INPUT_CLASS} />
            </label>
          </div>
          <label className={label}>
            <span>Metadata (JSON)</span>
            <textarea name="metadata" rows={2} placeholder='{"pr_size": 80}' className={`${INPUT_CLASS} font-mono`} />
          </label>
          <div className="grid grid-cols-2 gap-2">
            <label className={label}>
              <span>Expected effect</span>
              <select name="effect" className={INPUT_CLASS} defaultValue="allow">
                {EFFECTS.map((effect) => (
                  <option key={effect} value={effect}>
                    {EFFECT_LABELS[effect]}
                  </option>
                ))}
              </select>
            </label>
            <label className={label}>
              <span>Expected policy</span>
              <input name="policy" placeholder={`any, or ${NO_POLICY}`} className={INPUT_CLASS} />
            </label>
          </div>
          {error ? (
            <p role="alert" className="text-xs text-red-700">
              {error}
            </p>
          ) : null}
          <div className="flex gap-2">
            <Button type="submit" size="xs" variant="primary">
              Add to source
            </Button>
            <Button size="xs" variant="ghost" onClick={() => (setAdding(false), setError(null))}>
              Cancel
            </Button>
          </div>
        </form>
      ) : null}
      {run === null ? (
        <p className="text-xs text-stone-500">Tests run when the source parses.</p>
      ) : run.results.length === 0 ? (
        <p className="text-xs text-stone-500">No tests yet: add one to pin what a request must get.</p>
      ) : (
        <ul className="divide-y divide-stone-100 rounded-lg border border-stone-200 bg-white text-xs" aria-label="Test results">
          {run.results.map((result, i) => (
            <li key={i} data-testid="test-result" data-passed={result.passed} className="px-3 py-2">
              <span className={`mr-2 font-semibold ${result.passed ? "text-emerald-700" : "text-red-700"}`}>{result.passed ? "PASS" : "FAIL"}</span>
              <span className="font-medium text-stone-800">{result.name}</span>
              {!result.passed ? (
                <p className="mt-0.5 text-stone-600">
                  expected {EFFECT_LABELS[result.expected.effect]}
                  {result.expected.policy !== undefined ? ` by ${result.expected.policy ?? "no policy"}` : ""}, got {EFFECT_LABELS[result.actual.effect]} by{" "}
                  {result.actual.policy ?? "no policy"}
                </p>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
