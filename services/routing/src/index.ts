export { createRoutingService, type ServiceOptions } from "./service";
export { routingEnv } from "./config";
