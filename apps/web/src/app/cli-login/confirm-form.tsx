"use client";

import { useActionState, useState } from "react";
import { Button } from "@/components/button";
import { emptyFormState, FormAlert, INPUT_CLASS, type FormState } from "@/components/form-fields";
import { confirmCliLogin } from "./actions";

/**
 * The code the terminal shows and the org to sign in to; Confirm or Refuse. Nothing before the POST changes anything.
 * A link's code (`linkCode`) travels hidden and fills the field in, except for an org the member owns: an owner types
 * the code (the server refuses an owner's confirmation without a typed code, or with another one).
 */
export function ConfirmForm({ linkCode, orgs }: { linkCode: string; orgs: Array<{ slug: string; name: string; owner: boolean }> }) {
  const [state, action, pending] = useActionState<FormState, FormData>(confirmCliLogin, emptyFormState);
  const [orgSlug, setOrgSlug] = useState(state.values.org ?? orgs[0]?.slug ?? "");
  if (state.notice) return <FormAlert tone="info">{state.notice}</FormAlert>;
  const mustType = orgs.find((org) => org.slug === orgSlug)?.owner ?? false;
  const error = state.fields.typedCode ?? state.fields.userCode;
  return (
    <form action={action} className="space-y-4" aria-label="Confirm a CLI login">
      {state.error ? <FormAlert>{state.error}</FormAlert> : null}
      <input type="hidden" name="code" value={linkCode} />
      <div className="space-y-1">
        <label htmlFor="typedCode" className="block text-sm font-medium text-stone-700">
          Code shown in your terminal
        </label>
        <input
          // A new field when the rule changes: an owner's starts empty, whatever the link carried.
          key={mustType ? "typed" : "prefilled"}
          id="typedCode"
          name="typedCode"
          required={mustType || linkCode === ""}
          maxLength={20}
          autoComplete="off"
          spellCheck={false}
          defaultValue={mustType ? "" : linkCode}
          className={`${INPUT_CLASS} font-mono tracking-widest uppercase`}
          aria-invalid={error ? true : undefined}
          aria-describedby={mustType ? "typed-code-hint" : error ? "code-error" : undefined}
        />
        {mustType ? (
          <p id="typed-code-hint" className="text-sm text-stone-600">
            You are an owner of this organization: type the code your own terminal shows. A link never fills it in for an owner.
          </p>
        ) : null}
        {error ? (
          <p id="code-error" className="text-sm text-red-700">
            {error}
          </p>
        ) : null}
      </div>
      <div className="space-y-1">
        <label htmlFor="org" className="block text-sm font-medium text-stone-700">
          Organization
        </label>
        <select id="org" name="org" value={orgSlug} onChange={(event) => setOrgSlug(event.target.value)} className={INPUT_CLASS}>
          {orgs.map((org) => (
            <option key={org.slug} value={org.slug}>
              {org.name}
            </option>
          ))}
        </select>
        {state.fields.org ? <p className="text-sm text-red-700">{state.fields.org}</p> : null}
      </div>
      <div className="flex gap-2">
        <Button type="submit" name="decision" value="approve" variant="approve" disabled={pending}>
          Confirm
        </Button>
        {/* Refusing needs no code typed: it gives nothing. */}
        <Button type="submit" name="decision" value="deny" variant="danger" disabled={pending} formNoValidate>
          Refuse
        </Button>
      </div>
    </form>
  );
}
