"use client";

import { useActionState } from "react";
import { Button } from "@/components/button";
import { emptyFormState, FormAlert, INPUT_CLASS, type FormState } from "@/components/form-fields";
import { confirmCliLogin } from "./actions";

/** The code the terminal shows and the org to sign in to; Confirm or Refuse. Nothing before the POST changes anything. */
export function ConfirmForm({ code, orgs }: { code: string; orgs: Array<{ slug: string; name: string }> }) {
  const [state, action, pending] = useActionState<FormState, FormData>(confirmCliLogin, emptyFormState);
  if (state.notice) return <FormAlert tone="info">{state.notice}</FormAlert>;
  return (
    <form action={action} className="space-y-4" aria-label="Confirm a CLI login">
      {state.error ? <FormAlert>{state.error}</FormAlert> : null}
      <div className="space-y-1">
        <label htmlFor="code" className="block text-sm font-medium text-stone-700">
          Code shown in the terminal
        </label>
        <input
          id="code"
          name="code"
          required
          maxLength={20}
          autoComplete="off"
          spellCheck={false}
          defaultValue={state.values.code ?? code}
          className={`${INPUT_CLASS} font-mono tracking-widest uppercase`}
          aria-invalid={state.fields.userCode ? true : undefined}
          aria-describedby={state.fields.userCode ? "code-error" : undefined}
        />
        {state.fields.userCode ? (
          <p id="code-error" className="text-sm text-red-700">
            {state.fields.userCode}
          </p>
        ) : null}
      </div>
      <div className="space-y-1">
        <label htmlFor="org" className="block text-sm font-medium text-stone-700">
          Organization
        </label>
        <select id="org" name="org" defaultValue={state.values.org ?? orgs[0]?.slug ?? ""} className={INPUT_CLASS}>
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
        <Button type="submit" name="decision" value="deny" variant="danger" disabled={pending}>
          Refuse
        </Button>
      </div>
    </form>
  );
}
