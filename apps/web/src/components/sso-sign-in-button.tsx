import { signInWithSsoProvider } from "@/app/signin/actions";
import { Button } from "./button";

/** "Sign in with <name>": the instance's OpenID Connect provider (shown only when it is configured). */
export function SsoSignInButton({ name, callbackUrl }: { name: string; callbackUrl: string }) {
  return (
    <form action={signInWithSsoProvider}>
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      <Button type="submit" size="md" variant="secondary" className="w-full">
        Sign in with {name}
      </Button>
    </form>
  );
}
