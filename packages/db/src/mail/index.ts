export { sendMail, mailMode, closeMail, DEV_OUTBOX_LIMIT, type MailMessage, type MailMode } from "./send-mail";
export { listDevOutbox, type OutboxMessage } from "./dev-outbox";
