import { signOutAction } from "@/app/sign-out";

export function SignOutButton() {
  return (
    <form action={signOutAction}>
      <button type="submit" className="whitespace-nowrap rounded-md px-2.5 py-1.5 text-sm text-stone-600 hover:bg-stone-100 hover:text-stone-900">
        Sign out
      </button>
    </form>
  );
}
