export { kcatAvailable, startKafkaMock, type KafkaMock, type KafkaMockOptions } from "./kafka-mock";
export { describeWithKafka, requireKcat } from "./kcat";
export { produceWithKcat, type ForeignRecord } from "./kcat-produce";
export { tempDir, type TempDir } from "./temp-dir";
export { waitFor, type WaitForOptions } from "./wait-for";
export { openFilesUnder } from "./open-files";
export { readGrpcErrorDetails, type GrpcErrorDetails } from "./grpc-status";
export { readMail, type ReadMail } from "./raw-mail";
export { startSmtpPeer, type ReceivedMail, type RecipientAnswer, type SmtpPeer } from "./smtp-peer";
export { rawUnary, type RawGrpcAnswer } from "./raw-unary";
export { recordResponses, type ResponseRecorder } from "./openapi-conformance";
export { startRefusal } from "./start-refusal";
export {
  FEATURED_PROCEDURE,
  FREE_PROCEDURE_CODE,
  PROVINCE_AGENCIES,
  provinceCatalogCsv,
  provinceCatalogRows,
  type ProvinceCatalogRow,
} from "./province-catalog";
