import type { Metadata } from "next";
import Link from "next/link";
import { isDomainError, previewApprovalLink, type ApprovalLinkPreview } from "@gatehouse/db";
import { AccountShell } from "@/components/account-shell";
import { FormAlert } from "@/components/form-fields";
import { SsoSignInButton } from "@/components/sso-sign-in-button";
import { oidcConfig } from "@/env";
import { formatDateTime, inlineValue } from "@/lib/format";
import { getSessionUser } from "@/server/session";
import { DecideForm } from "./decide-form";

export const metadata: Metadata = { title: "Approval request", referrer: "no-referrer" };

type Params = Promise<{ token: string }>;

const linkClass = "font-medium text-stone-900 underline underline-offset-2";

/**
 * An emailed approval link (docs/approvals.md, Email). Opening it — as a person, or as a mail scanner
 * with GET or HEAD — changes nothing: signed out, the console's proxy sends it to sign-in first; signed
 * in as the member it was sent to, it shows the request; only the form below, posted from that session,
 * decides. In an org that requires single sign-on, a password session (of anyone but an owner) sees
 * neither the request nor the form: only the way to sign in with SSO and come back.
 */
export default async function ApproveByLinkPage({ params }: { params: Params }) {
  const { token } = await params;
  const user = await getSessionUser();
  let link: ApprovalLinkPreview;
  try {
    link = await previewApprovalLink({ input: { token, userId: user?.id ?? null, signInMethod: user?.signInMethod } });
  } catch (error) {
    if (!isDomainError(error) || error.code !== "NOT_FOUND") throw error;
    return (
      <AccountShell title="Link not valid">
        <FormAlert>This approval link is not valid, or it was sent to someone who is no longer a member. Decide in the console instead.</FormAlert>
      </AccountShell>
    );
  }
  if (link.closed === "sso_required") return <SsoRequired token={token} />;
  const details = (
    <dl className="space-y-2 text-sm" data-testid="approval-link-details">
      <Row label="Action">
        <code className="font-mono">{link.actionType}</code>
      </Row>
      <Row label="Agent">{link.agentName}</Row>
      <Row label="Policy">{link.policyName ?? "—"}</Row>
      <Row label="Decide by">{formatDateTime(link.expiresAt)}</Row>
      {Object.entries(link.metadata)
        .slice(0, 12)
        .map(([key, value]) => (
          <Row key={key} label={key}>
            <span className="font-mono text-xs break-all">{inlineValue(value)}</span>
          </Row>
        ))}
    </dl>
  );
  const title = `Approve ${link.actionType}?`;
  const intro = <>An agent of {link.orgName} is waiting for a person&apos;s decision.</>;
  let body: React.ReactNode;
  switch (link.closed) {
    case "decided":
      body = (
        <FormAlert tone="info">
          {link.decidedBy ? `This request was already ${link.status} by ${link.decidedBy}.` : `This request is ${link.status}: the link no longer decides anything.`}
        </FormAlert>
      );
      break;
    case "used":
      body = <FormAlert tone="info">This link was already used. Decide in the console if you still need to.</FormAlert>;
      break;
    case "signed_out":
      body = (
        <div className="space-y-3">
          <p className="text-sm text-stone-700">Sign in as {link.memberEmail} to decide. Opening this link decided nothing.</p>
          <Link
            href={`/signin?callbackUrl=${encodeURIComponent(`/approve/${token}`)}`}
            className="block w-full rounded-md bg-stone-900 px-3 py-2 text-center text-sm font-medium text-white"
          >
            Sign in to decide
          </Link>
        </div>
      );
      break;
    case "not_yours":
      body = (
        <FormAlert>
          This link was sent to {link.memberEmail}, and you are signed in as {user?.email}. Sign in as {link.memberEmail}, or decide in the console.
        </FormAlert>
      );
      break;
    default:
      body = <DecideForm token={token} />;
  }
  return (
    <AccountShell
      title={title}
      intro={intro}
      footer={
        <p>
          Or open it in the{" "}
          <Link href={`/o/${encodeURIComponent(link.orgSlug)}/approvals`} className={linkClass}>
            console&apos;s approvals
          </Link>
          .
        </p>
      }
    >
      <div className="space-y-5">
        {/* The request's details are for the member it was sent to (a forwarded link shows them to nobody else). */}
        {link.closed === "not_yours" || link.closed === "signed_out" ? null : details}
        {body}
      </div>
    </AccountShell>
  );
}

/** The org's sign-in rule refuses this session: what to do, and nothing of the request. */
function SsoRequired({ token }: { token: string }) {
  const oidc = oidcConfig();
  return (
    <AccountShell
      title="This organization requires single sign-on"
      intro="You signed in with a password. Sign in with single sign-on to see and decide this request; opening this link decided nothing."
    >
      {oidc ? (
        <SsoSignInButton name={oidc.name} callbackUrl={`/approve/${token}`} />
      ) : (
        <p className="text-sm text-stone-600">Single sign-on is not configured on this Gatehouse instance. Ask its operator.</p>
      )}
    </AccountShell>
  );
}

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="grid grid-cols-3 gap-2">
      <dt className="text-stone-500">{label}</dt>
      <dd className="col-span-2 text-stone-900">{children}</dd>
    </div>
  );
}
