import type { ReceivingUnits } from "@lienthong/domain";
import {
  type ServiceFactoryOptions,
  ServiceHost,
  createLogger,
  loadConfig,
  openPublicLinkSecrets,
  signPublicDocumentLink,
} from "@lienthong/service-host";
import { intakeGrpc, referenceDataGrpc } from "./api/grpc";
import { intakeRoutes } from "./api/http";
import { intakeAgencyCodes, intakeEnv, intakeReceivingUnits } from "./config";
import { intakeTopics, intakeEventHandler } from "./events/consumers";
import { applications, intakeCollections } from "./store/collections";
import { DossierRegistrar } from "./store/dossier-registrar";
import { LookupRateLimiter } from "./use-cases/lookup-status";
import type { AccessDecision, IntakePorts } from "./use-cases/ports";

export type ServiceOptions = ServiceFactoryOptions;

/** Room for one largest attachment in base64 (4/3 of its size, twice for safety) plus the rest of the application. */
function maxRequestBytes(attachmentMaxBytes: number): number {
  return Math.ceil((attachmentMaxBytes * 4) / 3) * 2 + 1024 * 1024;
}

/** The composition root of intake: config → adapters → use cases → transports. */
export async function createIntakeService(options: ServiceOptions = {}): Promise<ServiceHost> {
  const env = loadConfig(intakeEnv, options.env ?? process.env);
  const logger = options.logger ?? createLogger({ service: "intake", level: env.LOG_LEVEL });
  // Before the store opens: production refuses a missing or weak secret as it refuses the rest of the config.
  const linkSecrets = openPublicLinkSecrets(env, logger);
  const host = await ServiceHost.open(
    {
      service: "intake",
      env,
      collections: intakeCollections,
      maxRequestBytes: maxRequestBytes(env.ATTACHMENT_MAX_BYTES),
    },
    { ...options, logger },
  );
  const { reference } = host;
  let receivingUnits: ReceivingUnits;
  try {
    const agencyCodes = intakeAgencyCodes(env, reference.units);
    receivingUnits = intakeReceivingUnits(
      env,
      { units: reference.units, agencyKinds: reference.catalog.agencyKinds },
      agencyCodes,
      logger,
    );
  } catch (error) {
    // A refused configuration: close the store and bus just opened, and report the refusal.
    await host.stop().catch(() => undefined);
    throw error;
  }
  // Ids and decisions only (DOMAIN.md §7), in the host's hash-chained audit log.
  const audit = ({ clientId, officialId, action, target, decision }: AccessDecision) =>
    host.audit.append({ clientId, officialId, action, target, outcome: decision });
  const now = options.clock ?? (() => new Date());
  const ports: IntakePorts = {
    store: host.store,
    commit: (ops) => host.commit(ops),
    registrar: new DossierRegistrar(host.store, (ops) => host.commit(ops), now),
    catalog: reference.catalog,
    units: reference.units,
    receivingUnits,
    merges: reference.merges,
    audit,
    documentLink: (documentId) => signPublicDocumentLink(linkSecrets, documentId, now()),
    limits: { attachmentMaxBytes: env.ATTACHMENT_MAX_BYTES },
    acrossProvinces: env.INTAKE_ACROSS_PROVINCES,
    now,
  };
  const lookupLimiter = new LookupRateLimiter({
    perCodePerMinute: env.PUBLIC_LOOKUP_PER_CODE_PER_MINUTE,
    perIpPerMinute: env.PUBLIC_LOOKUP_PER_IP_PER_MINUTE,
  });
  if (env.TRUST_PROXY) host.http.app.set("trust proxy", env.TRUST_PROXY);
  intakeRoutes(host.http, ports, lookupLimiter, maxRequestBytes(env.ATTACHMENT_MAX_BYTES));
  host.serveGrpc(intakeGrpc(ports, lookupLimiter));
  host.serveGrpc(referenceDataGrpc(ports));
  host.dossierProvince(async (dossierId) => {
    const application = await host.store.get(applications, dossierId);
    return application && reference.units.provinceOf(application.data.receivingUnitCode);
  });
  // The timeline keeps each entry's event id, written with the application it changes: no inbox marker needed.
  host.consume(intakeTopics, intakeEventHandler(ports), { idempotency: "handler" });
  return host;
}
