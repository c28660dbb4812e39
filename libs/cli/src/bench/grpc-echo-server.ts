/**
 * The gRPC baseline server: grpc-js answering echoService in its own process
 * (as bare-server.ts is for REST) — no telemetry, logging, validation or
 * storage. It reports its port over IPC and exits when the parent disconnects.
 */
import * as grpc from "@grpc/grpc-js";
import type { intake } from "@lienthong/contracts";
import { echoService } from "./grpc-echo";

const server = new grpc.Server();
server.addService(echoService, {
  echo: (
    call: grpc.ServerUnaryCall<intake.SubmitApplicationRequest, intake.SubmitApplicationRequest>,
    callback: grpc.sendUnaryData<intake.SubmitApplicationRequest>,
  ) => callback(null, call.request),
});
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  process.send?.({ port });
});
process.once("disconnect", () => server.forceShutdown());
