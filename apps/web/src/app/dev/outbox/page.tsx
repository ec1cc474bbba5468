import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Fragment } from "react";
import { listDevOutbox } from "@gatehouse/db";
import { Logo } from "@/components/logo";
import { env } from "@/env";

export const metadata: Metadata = { title: "Development outbox", robots: { index: false } };
export const dynamic = "force-dynamic";

const URL_PATTERN = /(https?:\/\/[^\s<>"]+)/g;

/** The message text with its links made clickable (text is rendered as text: nothing in a message is markup). */
function Linked({ text }: { text: string }) {
  return (
    <>
      {text.split(URL_PATTERN).map((part, i) =>
        i % 2 === 1 ? (
          <a key={i} href={part} className="break-all text-blue-700 underline">
            {part}
          </a>
        ) : (
          <Fragment key={i}>{part}</Fragment>
        ),
      )}
    </>
  );
}

/**
 * Mail this instance would have sent, while no SMTP server is configured (SMTP_URL unset: the embedded
 * `npm start`). Anyone who can open it can follow every verification and reset link in it, so it
 * exists only in a process started for development (GATEHOUSE_DEVELOPMENT, set by `npm start`; the
 * proxy answers 404 before this otherwise), and not with SMTP configured.
 */
export default async function DevOutboxPage() {
  if (!env().GATEHOUSE_DEVELOPMENT) notFound();
  const messages = await listDevOutbox({ input: { limit: 50 } });
  if (!messages) notFound();
  return (
    <main className="mx-auto max-w-3xl px-4 py-10 sm:px-6">
      <Link href="/" aria-label="Gatehouse home">
        <Logo className="text-lg" />
      </Link>
      <h1 className="mt-8 text-2xl font-semibold tracking-tight">Development outbox</h1>
      <p className="mt-1 text-sm text-stone-600">
        No mail server is configured (SMTP_URL is not set), so the mail Gatehouse sends is kept here and written to the server log. Set SMTP_URL before anyone else can reach this
        console.
      </p>
      {messages.length === 0 ? <p className="mt-8 text-sm text-stone-500">No messages yet.</p> : null}
      <ol className="mt-8 space-y-4">
        {messages.map((message) => (
          <li key={message.id} className="rounded-xl border border-stone-200 bg-white p-5 shadow-sm">
            <article aria-label={`${message.subject} to ${message.to}`}>
              <p className="text-xs text-stone-500">
                <time dateTime={message.createdAt.toISOString()}>{message.createdAt.toISOString().replace("T", " ").slice(0, 19)} UTC</time> · to {message.to}
              </p>
              <h2 className="mt-1 text-base font-semibold">{message.subject}</h2>
              <p className="mt-3 text-sm whitespace-pre-wrap text-stone-700">
                <Linked text={message.text} />
              </p>
            </article>
          </li>
        ))}
      </ol>
    </main>
  );
}
