"use client";

import { useActionState, useState } from "react";
import { emptyFormState, FormAlert, SubmitButton, TextField, type FormState } from "@/components/form-fields";
import { createOrgAction } from "../actions";

/** A slug suggested from the name (the person may change it). */
const slugOf = (name: string) =>
  name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48);

export function CreateOrgForm() {
  const [state, action, pending] = useActionState<FormState, FormData>(createOrgAction, emptyFormState);
  const [slug, setSlug] = useState(state.values.slug ?? "");
  const [slugEdited, setSlugEdited] = useState(false);
  return (
    <form action={action} className="space-y-5" noValidate>
      {state.error ? <FormAlert>{state.error}</FormAlert> : null}
      <div onChange={(event) => event.target instanceof HTMLInputElement && event.target.name === "name" && !slugEdited && setSlug(slugOf(event.target.value))}>
        <TextField name="name" label="Organization name" maxLength={200} defaultValue={state.values.name} error={state.fields.name} />
      </div>
      <div className="space-y-1.5">
        <label htmlFor="slug" className="block text-sm font-medium text-stone-700">
          Address
        </label>
        <div className="flex items-center rounded-md border border-stone-300 bg-white text-sm shadow-xs focus-within:border-stone-500">
          <span className="pl-3 text-stone-400">/o/</span>
          <input
            id="slug"
            name="slug"
            value={slug}
            onChange={(event) => {
              setSlugEdited(true);
              setSlug(event.target.value);
            }}
            maxLength={48}
            required
            aria-invalid={state.fields.slug ? true : undefined}
            aria-describedby="slug-help"
            className="block w-full rounded-md bg-transparent py-2 pr-3 pl-0.5 focus:outline-none"
          />
        </div>
        <p id="slug-help" className={`text-xs ${state.fields.slug ? "text-red-700" : "text-stone-500"}`}>
          {state.fields.slug ? `Address ${state.fields.slug}` : "Lower-case letters, digits and '-'; it cannot be changed later."}
        </p>
      </div>
      <SubmitButton pending={pending} pendingText="Creating…">
        Create organization
      </SubmitButton>
    </form>
  );
}
