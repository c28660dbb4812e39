export { createIntakeService, createIntakeService as createService, type ServiceOptions } from "./service";
export { intakeEnv } from "./config";
