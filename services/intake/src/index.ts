export { createIntakeService, createIntakeService as createService, type ServiceOptions } from "./service";
export { intakeEnv } from "./config";
export {
  applications,
  dossierSequences,
  intakeCollections,
  type ApplicationRecord,
  type SequenceRecord,
  type TimelineEntry,
} from "./store/collections";
