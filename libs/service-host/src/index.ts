export * from "./auth/access";
export * from "./auth/caller";
export * from "./auth/client-keys";
export * from "./auth/grpc-tls";
export { CLIENT_ID_PATTERN } from "./auth/client-registry";
export * from "./auth/development-identities";
export {
  DEVELOPMENT_ISSUER,
  PLATFORM_AUDIENCE,
  openDevelopmentIssuer,
  type DevelopmentIssuer,
  type IssuerOptions,
} from "./auth/development-issuer";
export { openIdentities, type Identification, type Identities, type PresentedCredentials } from "./auth/identities";
export * from "./audit/audit-chain";
export * from "./audit/audit-targets";
export {
  AuditLog,
  auditCollections,
  auditHead,
  auditLog,
  type AuditEvent,
  type AuditHead,
  type AuditRecord,
} from "./audit/audit-log";
export * from "./config";
export * from "./grpc";
export * from "./grpc-status";
export * from "./host";
export * from "./http";
export * from "./http-problem";
export { kafkaSecurityOf } from "./kafka-connection";
export * from "./lifecycle";
export * from "./logger";
export * from "./metrics";
export * from "./notifying-store";
export * from "./openapi";
export { API_DOCUMENTS, apiDocumentInfo } from "./openapi-routes";
export * from "./polling-task";
export * from "./public-link-secrets";
export * from "./public-links";
export * from "./readiness";
export * from "./reference-data-env";
export * from "./span-store";
export * from "./standalone";
export * from "./telemetry";
export * from "./validation";
export { findDossier } from "./find-dossier";
export { activeTraceId, requestTraceId } from "./trace-id";
