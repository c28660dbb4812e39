export { createSignatureService, createSignatureService as createService, type ServiceOptions } from "./service";
export { signatureEnv } from "./config";
