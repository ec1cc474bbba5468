export { createWebhook, listWebhooks, getWebhook, updateWebhook, deleteWebhook, rotateWebhookSecret, MAX_WEBHOOKS_PER_ORG } from "./manage-webhooks";
export { listWebhookDeliveries, testWebhook, redeliverWebhook } from "./webhook-deliveries";
export {
  WebhookDispatcher,
  webhookDispatcher,
  stopWebhookDispatcher,
  pruneWebhookDeliveries,
  WEBHOOK_DELIVERY_RETENTION_DAYS,
  type WebhookDispatcherOptions,
} from "./deliver-webhooks";
export { sendWebhook, refusedDestination, type Resolve, type SendResult } from "./send-webhook";
