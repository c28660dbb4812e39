export { createRoutingService, createRoutingService as createService, type ServiceOptions } from "./service";
export { routingEnv } from "./config";
export { assignments, routingCollections, type AgencyRecord, type AssignmentRecord } from "./store/collections";
export { agencyRecord } from "./use-cases/competent-authority";
