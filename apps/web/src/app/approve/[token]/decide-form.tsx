"use client";

import { useActionState } from "react";
import { Button } from "@/components/button";
import { emptyFormState, FormAlert, INPUT_CLASS, type FormState } from "@/components/form-fields";
import { decideByLink } from "./actions";

/** Approve / Deny for the member the link was sent to: the form posts; nothing before it decides. */
export function DecideForm({ token }: { token: string }) {
  const [state, action, pending] = useActionState<FormState, FormData>(decideByLink.bind(null, token), emptyFormState);
  if (state.notice) return <FormAlert tone="info">{state.notice}</FormAlert>;
  return (
    <form action={action} className="space-y-4" aria-label="Decide this request">
      {state.error ? <FormAlert>{state.error}</FormAlert> : null}
      <div className="space-y-1">
        <label htmlFor="reason" className="block text-sm font-medium text-stone-700">
          Reason <span className="font-normal text-stone-500">(optional, recorded with your vote)</span>
        </label>
        <input id="reason" name="reason" maxLength={1000} defaultValue={state.values.reason} className={INPUT_CLASS} />
      </div>
      <div className="flex gap-2">
        <Button type="submit" name="decision" value="approve" variant="approve" disabled={pending}>
          Approve
        </Button>
        <Button type="submit" name="decision" value="deny" variant="danger" disabled={pending}>
          Deny
        </Button>
      </div>
    </form>
  );
}
