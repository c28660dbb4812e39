import * as path from "node:path";
import * as protobuf from "protobufjs";

/**
 * Decodes a grpc-status-details-bin trailer with Google's own .proto files
 * (npm google-proto-files) and protobufjs: an independent reading of what
 * errors.ts writes by hand.
 */
const protoDir = path.dirname(require.resolve("google-proto-files/package.json"));
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(protoDir, target));
root.loadSync(["google/rpc/status.proto", "google/rpc/error_details.proto"]);

export interface DecodedStatus {
  code: number;
  message: string;
  details: { typeUrl: string; value: Record<string, unknown> }[];
}

export function decodeStatusWithGoogleProtos(bytes: Uint8Array): DecodedStatus {
  const status = root.lookupType("google.rpc.Status").decode(bytes) as unknown as {
    code: number;
    message: string;
    details: { type_url?: string; typeUrl?: string; value: Uint8Array }[];
  };
  return {
    code: status.code,
    message: status.message,
    details: status.details.map((any) => {
      const typeUrl = any.typeUrl ?? any.type_url ?? "";
      const type = root.lookupType(typeUrl.replace(/^.*\//, ""));
      return { typeUrl, value: type.toObject(type.decode(any.value)) };
    }),
  };
}
