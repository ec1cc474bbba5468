"use client";

import type { InvitationView, MemberView } from "@gatehouse/contracts";
import type { MemberRole } from "@gatehouse/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/button";
import { LoadError } from "@/components/panel-states";
import { changeRole, fetchInvitations, fetchMembers, fieldError, inviteMember, leaveOrg, memberKeys, removeMember, revokeInvitation } from "@/lib/admin-api";
import { formatDateTime } from "@/lib/format";

interface Props {
  orgSlug: string;
  orgName: string;
  me: { membershipId: string; role: MemberRole };
  canRead: boolean;
  canManage: boolean;
  /** Roles, highest first: a member may act on a role at or below their own. */
  ranking: readonly MemberRole[];
  /** The roles this member may give (at most their own). */
  assignable: readonly MemberRole[];
  topRole: MemberRole;
  initialMembers: MemberView[] | null;
  initialInvitations: InvitationView[] | null;
}

const SIGN_IN_LABELS: Record<MemberView["signInMethods"][number], string> = { password: "Password", sso: "SSO" };

function ErrorText({ error }: { error: Error | null }) {
  if (!error) return null;
  return (
    <p role="alert" className="mt-1 text-xs text-red-700">
      {error.message}
    </p>
  );
}

export function MembersPanel(props: Props) {
  const { orgSlug, canRead, canManage } = props;
  const members = useQuery({
    queryKey: memberKeys.members(orgSlug),
    queryFn: ({ signal }) => fetchMembers(orgSlug, signal),
    enabled: canRead,
    ...(props.initialMembers ? { initialData: { members: props.initialMembers } } : {}),
  });
  const invitations = useQuery({
    queryKey: memberKeys.invitations(orgSlug),
    queryFn: ({ signal }) => fetchInvitations(orgSlug, signal),
    enabled: canRead,
    ...(props.initialInvitations ? { initialData: { invitations: props.initialInvitations } } : {}),
  });
  const list = members.data?.members ?? [];
  const owners = list.filter((m) => m.role === props.topRole).length;
  const lastOwner = props.me.role === props.topRole && (canRead ? owners <= 1 : false);

  return (
    <div className="max-w-5xl space-y-10">
      <div>
        <h1 className="text-xl font-semibold">Members</h1>
        <p className="mt-1 text-sm text-stone-600">Who can sign in to {props.orgName}, with which role, and who is invited.</p>
      </div>
      {canRead ? (
        <section aria-labelledby="members-heading">
          <h2 id="members-heading" className="text-lg font-semibold">
            People
          </h2>
          {members.error && !members.data ? (
            <LoadError what="Members" error={members.error} onRetry={() => void members.refetch()} />
          ) : (
            <MembersTable {...props} members={list} owners={owners} />
          )}
        </section>
      ) : (
        <section aria-labelledby="membership-heading">
          <h2 id="membership-heading" className="text-lg font-semibold">
            Your membership
          </h2>
          <p className="mt-1 text-sm text-stone-600">
            You are {/^[aeiou]/.test(props.me.role) ? "an" : "a"} <strong className="font-medium text-stone-900">{props.me.role}</strong> of {props.orgName}. The member list is for
            owners, admins and auditors; ask one of them to change your role.
          </p>
        </section>
      )}
      {canManage ? <InviteForm orgSlug={orgSlug} assignable={props.assignable} /> : null}
      {canRead ? (
        <section aria-labelledby="invitations-heading">
          <h2 id="invitations-heading" className="text-lg font-semibold">
            Pending invitations
          </h2>
          {invitations.error && !invitations.data ? (
            <LoadError what="Invitations" error={invitations.error} onRetry={() => void invitations.refetch()} />
          ) : (
            <InvitationsTable orgSlug={orgSlug} invitations={invitations.data?.invitations ?? []} canManage={canManage} ranking={props.ranking} myRole={props.me.role} />
          )}
        </section>
      ) : null}
      <LeaveSection orgSlug={orgSlug} orgName={props.orgName} lastOwner={lastOwner} />
    </div>
  );
}

function MembersTable({ orgSlug, me, canManage, ranking, assignable, members, owners, topRole }: Props & { members: MemberView[]; owners: number }) {
  const rank = (role: MemberRole) => ranking.indexOf(role);
  return (
    <div className="mt-3 overflow-x-auto rounded-xl border border-stone-200 bg-white">
      <table className="w-full text-left text-sm">
        <thead className="border-b border-stone-200 bg-stone-50 text-xs text-stone-500 uppercase">
          <tr>
            <th className="px-4 py-2 font-medium">Name</th>
            <th className="px-4 py-2 font-medium">Email</th>
            <th className="px-4 py-2 font-medium">Role</th>
            <th className="px-4 py-2 font-medium">Signs in with</th>
            <th className="px-4 py-2 font-medium">Last active</th>
            {canManage ? <th className="px-4 py-2 font-medium">Actions</th> : null}
          </tr>
        </thead>
        <tbody className="divide-y divide-stone-100">
          {members.map((member) => (
            <MemberRow
              key={member.id}
              orgSlug={orgSlug}
              member={member}
              isMe={member.id === me.membershipId}
              manageable={canManage && member.id !== me.membershipId && rank(me.role) <= rank(member.role)}
              canManage={canManage}
              assignable={assignable}
              onlyOwner={member.role === topRole && owners <= 1}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function MemberRow({
  orgSlug,
  member,
  isMe,
  manageable,
  canManage,
  assignable,
  onlyOwner,
}: {
  orgSlug: string;
  member: MemberView;
  isMe: boolean;
  manageable: boolean;
  canManage: boolean;
  assignable: readonly MemberRole[];
  onlyOwner: boolean;
}) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["members", orgSlug] });
  const roleChange = useMutation({ mutationFn: (role: MemberRole) => changeRole(orgSlug, member.id, role), onSuccess: refresh });
  const removal = useMutation({ mutationFn: () => removeMember(orgSlug, member.id), onSuccess: refresh });
  const label = member.name || member.email;
  return (
    <tr className="align-top">
      <td className="px-4 py-3 font-medium">
        {member.name}
        {isMe ? <span className="ml-2 rounded bg-stone-100 px-1.5 py-0.5 text-xs text-stone-600">you</span> : null}
      </td>
      <td className="px-4 py-3 text-stone-700">{member.email}</td>
      <td className="px-4 py-3">
        {manageable ? (
          <>
            <select
              aria-label={`Role of ${member.email}`}
              value={member.role}
              disabled={roleChange.isPending}
              onChange={(event) => roleChange.mutate(event.target.value as MemberRole)}
              className="rounded-md border border-stone-300 bg-white px-2 py-1 text-sm"
            >
              {(assignable.includes(member.role) ? assignable : [member.role, ...assignable]).map((role) => (
                <option key={role} value={role}>
                  {role}
                </option>
              ))}
            </select>
            {roleChange.isSuccess ? (
              <p role="status" className="mt-1 text-xs text-emerald-700">
                Role saved.
              </p>
            ) : null}
            <ErrorText error={roleChange.error} />
          </>
        ) : (
          <span data-testid="member-role">{member.role}</span>
        )}
      </td>
      <td className="px-4 py-3 text-stone-700">{member.signInMethods.length > 0 ? member.signInMethods.map((m) => SIGN_IN_LABELS[m]).join(", ") : "API keys only"}</td>
      <td className="px-4 py-3 text-stone-700">{member.lastActiveAt ? formatDateTime(member.lastActiveAt) : "Never"}</td>
      {canManage ? (
        <td className="px-4 py-3">
          {manageable ? (
            confirming ? (
              <div className="space-y-2">
                <p className="text-xs text-stone-700">
                  Remove {label}? They lose access at once{onlyOwner ? "" : " and their admin keys are revoked"}.
                </p>
                <div className="flex gap-2">
                  <Button size="xs" variant="danger" disabled={removal.isPending} onClick={() => removal.mutate()}>
                    {removal.isPending ? "Removing…" : "Remove"}
                  </Button>
                  <Button
                    size="xs"
                    onClick={() => {
                      setConfirming(false);
                      removal.reset();
                    }}
                  >
                    Cancel
                  </Button>
                </div>
                <ErrorText error={removal.error} />
              </div>
            ) : (
              <Button size="xs" variant="ghost" aria-label={`Remove ${member.email}`} onClick={() => setConfirming(true)}>
                Remove…
              </Button>
            )
          ) : (
            <span className="text-xs text-stone-400">{isMe ? "Leave below" : "—"}</span>
          )}
        </td>
      ) : null}
    </tr>
  );
}

function InviteForm({ orgSlug, assignable }: { orgSlug: string; assignable: readonly MemberRole[] }) {
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<MemberRole>(assignable[assignable.length - 1] ?? assignable[0] ?? ("" as MemberRole));
  const invite = useMutation({
    mutationFn: () => inviteMember(orgSlug, { email, role }),
    onSuccess: () => {
      setEmail("");
      void queryClient.invalidateQueries({ queryKey: memberKeys.invitations(orgSlug) });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    invite.mutate();
  };
  const emailError = fieldError(invite.error, "email");
  const roleError = fieldError(invite.error, "role");
  return (
    <section aria-labelledby="invite-heading">
      <h2 id="invite-heading" className="text-lg font-semibold">
        Invite someone
      </h2>
      <form onSubmit={submit} noValidate className="mt-3 flex flex-wrap items-start gap-3 rounded-xl border border-stone-200 bg-white p-4">
        <div className="min-w-64 flex-1 space-y-1">
          <label htmlFor="invite-email" className="block text-sm font-medium text-stone-700">
            Email
          </label>
          <input
            id="invite-email"
            type="email"
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            maxLength={320}
            aria-invalid={emailError ? true : undefined}
            aria-describedby={emailError ? "invite-email-error" : undefined}
            className={`block w-full rounded-md border px-3 py-1.5 text-sm ${emailError ? "border-red-400" : "border-stone-300"}`}
          />
          {emailError ? (
            <p id="invite-email-error" className="text-xs text-red-700">
              Email {emailError}
            </p>
          ) : null}
        </div>
        <div className="space-y-1">
          <label htmlFor="invite-role" className="block text-sm font-medium text-stone-700">
            Role
          </label>
          <select
            id="invite-role"
            value={role}
            onChange={(event) => setRole(event.target.value as MemberRole)}
            className="block rounded-md border border-stone-300 bg-white px-2 py-1.5 text-sm"
          >
            {assignable.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          {roleError ? <p className="text-xs text-red-700">Role {roleError}</p> : null}
        </div>
        <div className="pt-6">
          <Button type="submit" size="sm" variant="primary" disabled={invite.isPending}>
            {invite.isPending ? "Inviting…" : "Send invitation"}
          </Button>
        </div>
        {invite.error && !emailError && !roleError ? (
          <p role="alert" className="w-full text-sm text-red-700">
            {invite.error.message}
          </p>
        ) : null}
        {invite.data ? (
          <div role="status" className="w-full rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900">
            {invite.data.emailSent
              ? `Invited ${invite.data.invitation.email} as ${invite.data.invitation.role}. We emailed them a link that works once, until ${formatDateTime(invite.data.invitation.expiresAt)}; only they receive it.`
              : `Invited ${invite.data.invitation.email} as ${invite.data.invitation.role}, but the email could not be sent: revoke the invitation and invite them again once mail works.`}
          </div>
        ) : null}
      </form>
    </section>
  );
}

function InvitationsTable({
  orgSlug,
  invitations,
  canManage,
  ranking,
  myRole,
}: {
  orgSlug: string;
  invitations: InvitationView[];
  canManage: boolean;
  ranking: readonly MemberRole[];
  myRole: MemberRole;
}) {
  if (invitations.length === 0) return <p className="mt-3 text-sm text-stone-500">No pending invitations.</p>;
  return (
    <div className="mt-3 overflow-x-auto rounded-xl border border-stone-200 bg-white">
      <table className="w-full text-left text-sm">
        <thead className="border-b border-stone-200 bg-stone-50 text-xs text-stone-500 uppercase">
          <tr>
            <th className="px-4 py-2 font-medium">Email</th>
            <th className="px-4 py-2 font-medium">Role</th>
            <th className="px-4 py-2 font-medium">Invited by</th>
            <th className="px-4 py-2 font-medium">Expires</th>
            {canManage ? <th className="px-4 py-2 font-medium">Actions</th> : null}
          </tr>
        </thead>
        <tbody className="divide-y divide-stone-100">
          {invitations.map((invitation) => (
            <InvitationRow
              key={invitation.id}
              orgSlug={orgSlug}
              invitation={invitation}
              canManage={canManage}
              revocable={canManage && ranking.indexOf(myRole) <= ranking.indexOf(invitation.role)}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function InvitationRow({ orgSlug, invitation, canManage, revocable }: { orgSlug: string; invitation: InvitationView; canManage: boolean; revocable: boolean }) {
  const queryClient = useQueryClient();
  const revoke = useMutation({
    mutationFn: () => revokeInvitation(orgSlug, invitation.id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: memberKeys.invitations(orgSlug) }),
  });
  return (
    <tr className="align-top">
      <td className="px-4 py-3">{invitation.email}</td>
      <td className="px-4 py-3">{invitation.role}</td>
      <td className="px-4 py-3 text-stone-700">{invitation.invitedBy ? invitation.invitedBy.name : "A former member"}</td>
      <td className="px-4 py-3 text-stone-700">{formatDateTime(invitation.expiresAt)}</td>
      {canManage ? (
        <td className="px-4 py-3">
          {revocable ? (
            <Button size="xs" variant="ghost" aria-label={`Revoke the invitation of ${invitation.email}`} disabled={revoke.isPending} onClick={() => revoke.mutate()}>
              {revoke.isPending ? "Revoking…" : "Revoke"}
            </Button>
          ) : (
            <span className="text-xs text-stone-400">—</span>
          )}
          <ErrorText error={revoke.error} />
        </td>
      ) : null}
    </tr>
  );
}

function LeaveSection({ orgSlug, orgName, lastOwner }: { orgSlug: string; orgName: string; lastOwner: boolean }) {
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const leave = useMutation({
    mutationFn: () => leaveOrg(orgSlug),
    onSuccess: () => {
      router.replace("/");
      router.refresh();
    },
  });
  return (
    <section aria-labelledby="leave-heading" className="rounded-xl border border-red-200 bg-white p-4">
      <h2 id="leave-heading" className="text-base font-semibold">
        Leave organization
      </h2>
      {lastOwner ? (
        <p className="mt-1 text-sm text-stone-700">You are the last owner of {orgName}, so you cannot leave it: make another member an owner first.</p>
      ) : (
        <p className="mt-1 text-sm text-stone-700">You lose access to {orgName} at once, and your admin keys are revoked. Someone must invite you again to come back.</p>
      )}
      <div className="mt-3 flex flex-wrap items-center gap-2">
        {confirming ? (
          <>
            <Button size="sm" variant="danger" disabled={leave.isPending} onClick={() => leave.mutate()}>
              {leave.isPending ? "Leaving…" : `Yes, leave ${orgName}`}
            </Button>
            <Button
              size="sm"
              onClick={() => {
                setConfirming(false);
                leave.reset();
              }}
            >
              Cancel
            </Button>
          </>
        ) : (
          <Button size="sm" variant="secondary" disabled={lastOwner} onClick={() => setConfirming(true)}>
            Leave organization…
          </Button>
        )}
      </div>
      <ErrorText error={leave.error} />
    </section>
  );
}
