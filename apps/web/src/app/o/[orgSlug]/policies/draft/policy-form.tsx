"use client";

import { useState, type FormEvent } from "react";
import { Button } from "@/components/button";
import { INPUT_CLASS } from "@/components/form-fields";
import { EFFECT_LABELS } from "@/lib/policies";
import {
  EFFECTS,
  MODES,
  patternList,
  policyFields,
  policyNames,
  selectedIndex,
  setPolicyFields,
  SourceError,
  type FormSelection,
  type PolicyFormFields,
  type SourceFormat,
} from "@/lib/policy-source";

/** The form's state: the pattern lists as the author types them. */
type FormFields = Omit<PolicyFormFields, "actions" | "agents"> & { actions: string; agents: string };

const EMPTY: FormFields = { name: "", effect: "deny", actions: "", agents: "*", mode: "enforce" };

function formFields(fields: PolicyFormFields | null): FormFields {
  return fields ? { ...fields, actions: fields.actions.join(", "), agents: fields.agents.join(", ") } : EMPTY;
}

/**
 * The common fields of one policy (name, effect, actions, agents, mode), written into the source. The
 * form follows the source: the policy it edits is found again by name after every edit of the source,
 * and its fields are read from the source unless the author is changing them here (changes made
 * against an older source are dropped: they would be written over what the source says now).
 */
export function PolicyForm({ source, format, onApply }: { source: string; format: SourceFormat; onApply: (source: string) => void }) {
  const names = policyNames(source, format);
  const [selection, setSelection] = useState<FormSelection>(() => ({ name: names[0] ?? null, index: 0 }));
  const index = selectedIndex(names, selection);
  const [edits, setEdits] = useState<{ source: string; index: number; fields: FormFields } | null>(null);
  const fields = edits && edits.source === source && edits.index === index ? edits.fields : formFields(policyFields(source, format, index));
  const setFields = (next: FormFields) => setEdits({ source, index, fields: next });
  const [error, setError] = useState<string | null>(null);

  const pick = (next: number) => {
    setSelection({ name: next < names.length ? (names[next] ?? null) : null, index: next });
    setEdits(null);
    setError(null);
  };
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    try {
      onApply(setPolicyFields(source, format, index, { ...fields, actions: patternList(fields.actions), agents: patternList(fields.agents) }));
      // The applied policy stays selected (a new one by the name it now has).
      setSelection({ name: fields.name, index });
      setEdits(null);
      setError(null);
    } catch (caught) {
      setError(caught instanceof SourceError ? caught.message : String(caught));
    }
  };
  const label = "block space-y-1 text-xs font-medium text-stone-700";
  return (
    <form onSubmit={submit} aria-label="Policy form" className="space-y-3">
      <label className={label}>
        <span>Policy</span>
        <select value={index} onChange={(e) => pick(Number(e.target.value))} className={INPUT_CLASS}>
          {names.map((name, i) => (
            <option key={i} value={i}>
              {name}
            </option>
          ))}
          <option value={names.length}>+ New policy</option>
        </select>
      </label>
      <label className={label}>
        <span>Name</span>
        <input value={fields.name} onChange={(e) => setFields({ ...fields, name: e.target.value })} required maxLength={100} className={INPUT_CLASS} />
      </label>
      <label className={label}>
        <span>Effect</span>
        <select value={fields.effect} onChange={(e) => setFields({ ...fields, effect: e.target.value as FormFields["effect"] })} className={INPUT_CLASS}>
          {EFFECTS.map((effect) => (
            <option key={effect} value={effect}>
              {EFFECT_LABELS[effect]}
            </option>
          ))}
        </select>
      </label>
      <label className={label}>
        <span>Actions (comma-separated patterns)</span>
        <input value={fields.actions} onChange={(e) => setFields({ ...fields, actions: e.target.value })} placeholder="pr.*, deploy.production" className={INPUT_CLASS} />
      </label>
      <label className={label}>
        <span>Agents</span>
        <input value={fields.agents} onChange={(e) => setFields({ ...fields, agents: e.target.value })} placeholder="*" className={INPUT_CLASS} />
      </label>
      <label className={label}>
        <span>Mode</span>
        <select value={fields.mode} onChange={(e) => setFields({ ...fields, mode: e.target.value as FormFields["mode"] })} className={INPUT_CLASS}>
          {MODES.map((mode) => (
            <option key={mode} value={mode}>
              {mode}
            </option>
          ))}
        </select>
      </label>
      {error ? (
        <p role="alert" className="text-xs text-red-700">
          {error}
        </p>
      ) : null}
      <Button type="submit" size="xs">
        Apply to source
      </Button>
    </form>
  );
}
