export { createIntakeService, createIntakeService as createService, type ServiceOptions } from "./service";
export { intakeEnv } from "./config";
export { API_KEY_HEADER, DEVELOPMENT_API_KEYS } from "./auth/api-keys";
