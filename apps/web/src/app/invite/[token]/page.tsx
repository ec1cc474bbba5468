import type { Metadata } from "next";
import Link from "next/link";
import { getInvitationByToken, isDomainError, type InvitationPreview } from "@gatehouse/db";
import { AccountShell } from "@/components/account-shell";
import { FormAlert } from "@/components/form-fields";
import { formatDateTime } from "@/lib/format";
import { getSessionUser } from "@/server/session";
import { AcceptSignedInForm, NewAccountForm, SignOutToInviteForm } from "./invite-forms";

export const metadata: Metadata = { title: "Invitation" };

type Params = Promise<{ token: string }>;

const linkClass = "font-medium text-stone-900 underline underline-offset-2";

/** Why a link that no longer works does not, and what to do. */
function closedMessage(invitation: InvitationPreview): string | null {
  switch (invitation.status) {
    case "accepted":
      return "This invitation was already used. If it was not you, ask for a new one.";
    case "revoked":
      return `This invitation was revoked. Ask ${invitation.inviterName ?? "an administrator of the organization"} for a new one.`;
    case "expired":
      return `This invitation expired on ${formatDateTime(invitation.expiresAt)}. Ask ${invitation.inviterName ?? "an administrator of the organization"} for a new one.`;
    default:
      return null;
  }
}

export default async function InvitePage({ params }: { params: Params }) {
  const { token } = await params;
  let invitation: InvitationPreview;
  try {
    invitation = await getInvitationByToken({ token });
  } catch (error) {
    if (!isDomainError(error) || error.code !== "NOT_FOUND") throw error;
    return (
      <AccountShell title="Invitation not found">
        <FormAlert>This invitation link is not valid. Check that you copied all of it, or ask for a new one.</FormAlert>
      </AccountShell>
    );
  }
  const closed = closedMessage(invitation);
  const title = `Join ${invitation.org.name} as ${invitation.role}`;
  const intro = (
    <>
      {invitation.inviterName ? `${invitation.inviterName} invited ` : "You are invited as "}
      <strong>{invitation.email}</strong>
      {invitation.status === "pending" ? `. The invitation works once, until ${formatDateTime(invitation.expiresAt)}.` : "."}
    </>
  );
  if (closed) {
    return (
      <AccountShell title={`Join ${invitation.org.name}`}>
        <FormAlert>{closed}</FormAlert>
      </AccountShell>
    );
  }
  const user = await getSessionUser();
  const callback = `/signin?callbackUrl=${encodeURIComponent(`/invite/${token}`)}`;
  if (user) {
    if (user.email.toLowerCase() !== invitation.email.toLowerCase()) {
      return (
        <AccountShell title={title} intro={intro}>
          <div className="space-y-4">
            <FormAlert>
              This invitation is for {invitation.email}, and you are signed in as {user.email}. Sign out, then sign in (or create the account) with {invitation.email}.
            </FormAlert>
            <SignOutToInviteForm token={token} />
          </div>
        </AccountShell>
      );
    }
    return (
      <AccountShell title={title} intro={intro}>
        <AcceptSignedInForm token={token} orgName={invitation.org.name} role={invitation.role} />
      </AccountShell>
    );
  }
  return (
    <AccountShell
      title={title}
      intro={intro}
      footer={
        invitation.accountExists ? null : (
          <p>
            Already have an account with {invitation.email}?{" "}
            <Link href={callback} className={linkClass}>
              Sign in to accept
            </Link>
          </p>
        )
      }
    >
      {invitation.accountExists ? (
        <div className="space-y-4">
          <p className="text-sm text-stone-700">{invitation.email} already has a Gatehouse account. Sign in with it, and you come back here to accept.</p>
          <Link href={callback} className="block w-full rounded-md bg-stone-900 px-3 py-2 text-center text-sm font-medium text-white hover:bg-stone-800">
            Sign in to accept
          </Link>
        </div>
      ) : (
        <NewAccountForm token={token} email={invitation.email} orgName={invitation.org.name} />
      )}
    </AccountShell>
  );
}
