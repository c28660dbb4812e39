export { createIntakeService, type ServiceOptions } from "./service";
export { intakeEnv } from "./config";
