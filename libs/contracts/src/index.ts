import * as path from "node:path";

export * as common from "./gen/gov/lienthong/common/v1/common";
export * as events from "./gen/gov/lienthong/events/v1/application_events";
export * as envelope from "./gen/gov/lienthong/events/v1/envelope";
export * as intake from "./gen/gov/lienthong/intake/v1/intake_service";
export * as routing from "./gen/gov/lienthong/routing/v1/routing_service";
export * as signature from "./gen/gov/lienthong/signature/v1/signature_service";
export * as notification from "./gen/gov/lienthong/notification/v1/notification_service";
// lienthong new service: generated contracts are exported above this line.
export * as rpc from "./rpc";
export * from "./event-catalog";
export * from "./platform-services";

/** The proto/ folder, for gRPC server reflection and for independent peers. */
export const protoRoot = path.resolve(__dirname, "../../../proto");
