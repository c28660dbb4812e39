/** google.rpc.Status and its standard error details, for gRPC error replies and the clients that read them. */
export * from "./gen/google/rpc/status";
export * from "./gen/google/rpc/error_details";
