export { kcatAvailable, startKafkaMock, type KafkaMock, type KafkaMockOptions } from "./kafka-mock";
export { describeWithKafka, requireKcat } from "./kcat";
export { produceWithKcat, type ForeignRecord } from "./kcat-produce";
export { tempDir, type TempDir } from "./temp-dir";
export { waitFor, type WaitForOptions } from "./wait-for";
export { readGrpcErrorDetails, type GrpcErrorDetails } from "./grpc-status";
