export type {
  DeliveredEvent,
  Delivery,
  EventBus,
  EventHandler,
  OutgoingEvent,
  PartitionLag,
  RawRecord,
  ReceivedRecord,
  SubscribeOptions,
  Subscription,
  UnreadableRecord,
  UnreadableRecordHandler,
} from "./port";
export { silentLogger, type Logger } from "./logger";
export { MessagingError, type MessagingErrorCode } from "./errors";
export { backoffDelay, defaultRetryPolicy, type RetryPolicy } from "./retry";
export {
  CE_SPECVERSION,
  CloudEventHeaders,
  PROTOBUF_CONTENT_TYPE,
  buildCloudEventHeaders,
  parseCloudEventHeaders,
  type CloudEventAttributes,
  type ParsedCloudEvent,
} from "./cloudevents";
export { TRACE_HEADERS, extractTraceContext, traceHeaders } from "./trace-context";
export {
  IN_PROCESS_TOPIC_PARTITIONS,
  InProcessBroker,
  type BusProvider,
  type InProcessBrokerOptions,
} from "./in-process";
export { ThreadBroker, serveBroker } from "./thread-broker";
export { KafkaEventBus, type KafkaEventBusConfig } from "./kafka";
export {
  describeKafkaCluster,
  type ConsumerGroupState,
  type ConsumerGroupTopics,
  type KafkaClusterConnection,
  type KafkaClusterState,
  type TopicPartitionState,
  type TopicState,
} from "./kafka-cluster";
export {
  DeadLetterHeaders,
  REPLAYED_FROM_HEADER,
  deadLetterTopicFor,
  inboxId,
  replayTopicFor,
  startConsumer,
  type ConsumerObserver,
  type ConsumerOptions,
  type ConsumerOutcome,
  type EventProcessor,
} from "./consumer";
export { OutboxRelay, outboxWrites, type OutboxRelayOptions } from "./outbox";
export {
  deadLetters,
  inbox,
  messagingCollections,
  outbox,
  type DeadLetterRecord,
  type DeadLetterState,
  type InboxMarker,
  type OutboxRecord,
} from "./collections";
export {
  DEAD_LETTER_ID,
  ledgerGroupFor,
  DeadLetterLedger,
  deadLetterId,
  type DeadLetterLedgerOptions,
  type DeadLetterPage,
  type DeadLetterScope,
} from "./dead-letters";
