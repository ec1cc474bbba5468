import { signOutAction } from "@/app/sign-out";
import { buttonClass } from "@/components/button";

export function SignOutButton() {
  return (
    <form action={signOutAction}>
      <button type="submit" className={buttonClass({ variant: "ghost" })}>
        Sign out
      </button>
    </form>
  );
}
