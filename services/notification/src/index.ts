export { createNotificationService, createNotificationService as createService, type ServiceOptions } from "./service";
export { notificationEnv } from "./config";
export { verifyWebhook } from "./channels/webhook";
