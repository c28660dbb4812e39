export { createSignatureService, type ServiceOptions } from "./service";
export { signatureEnv } from "./config";
