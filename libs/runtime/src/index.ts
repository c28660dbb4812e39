export { NotifyingStore } from "./notifying-store";
export { parseInput } from "./parse-input";
export {
  ServiceRuntime,
  collectionWritten,
  type ServiceFactoryOptions,
  type BackgroundTask,
  type RunningService,
  type RuntimeEnv,
  type RuntimeOptions,
  type ServiceName,
} from "./service-runtime";
export { runStandalone } from "./standalone";
export { referenceDataEnv, referenceDataFrom, type ReferenceDataEnvValues } from "./reference-env";
export { pollingTask, type PollingTask, type PollingTaskOptions } from "./polling-task";
export { findDossier } from "./find-dossier";
