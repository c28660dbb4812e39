export { createRoutingService, createRoutingService as createService, type ServiceOptions } from "./service";
export { routingEnv } from "./config";
