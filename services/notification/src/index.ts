export { createNotificationService, createNotificationService as createService, type ServiceOptions } from "./service";
export { DEVELOPMENT_WEBHOOK_SECRET, notificationEnv } from "./config";
export { verifyWebhook } from "./channels/webhook";
export { resultMailSubject } from "./use-cases/templates";
export { TEMPLATED_EVENT_NAMES, type TemplatedEventName } from "./templates/variables";
