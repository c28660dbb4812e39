import type { ServiceDefinition } from "@grpc/grpc-js";
import { intake } from "@lienthong/contracts";

/**
 * The gRPC baseline's one method: a unary call that takes the very message
 * SubmitApplication takes and answers it back, decoded and encoded with the
 * same generated code — grpc-js and protobuf, nothing of the platform.
 */
export const echoService = {
  echo: {
    path: "/lienthong.bench.v1.EchoService/Echo",
    requestStream: false,
    responseStream: false,
    requestSerialize: (message: intake.SubmitApplicationRequest) =>
      Buffer.from(intake.SubmitApplicationRequest.encode(message).finish()),
    requestDeserialize: (bytes: Buffer) => intake.SubmitApplicationRequest.decode(bytes),
    responseSerialize: (message: intake.SubmitApplicationRequest) =>
      Buffer.from(intake.SubmitApplicationRequest.encode(message).finish()),
    responseDeserialize: (bytes: Buffer) => intake.SubmitApplicationRequest.decode(bytes),
  },
} satisfies ServiceDefinition;
