import * as path from "node:path";
import {
  type ServiceFactoryOptions,
  ServiceHost,
  createLogger,
  loadConfig,
  openPublicLinkSecrets,
  pollingTask,
} from "@lienthong/service-host";
import { signatureGrpc } from "./api/grpc";
import { signatureRoutes } from "./api/http";
import { signatureEnv } from "./config";
import { signatureEventHandler, signatureHandles, signatureTopics } from "./events/consumers";
import { registerSigningQueueGauge, slipsNotIssuedCounter, timedSigning } from "./metrics";
import { openSigning } from "./signers";
import { documents, signatureCollections, signatureRetries } from "./store/collections";
import { DocumentFiles } from "./store/document-files";
import { directoryLeaders } from "./use-cases/authorize-signer";
import { MAX_MESSAGE_BYTES } from "./use-cases/limits";
import { retryParkedSignatures } from "./use-cases/retry-parked";
import type { SignatureAudit, SignaturePorts } from "./use-cases/ports";

export type ServiceOptions = ServiceFactoryOptions;

/** The composition root of signature. */
export async function createSignatureService(options: ServiceOptions = {}): Promise<ServiceHost> {
  const env = loadConfig(signatureEnv, options.env ?? process.env);
  const logger = options.logger ?? createLogger({ service: "signature", level: env.LOG_LEVEL });
  // Before the store opens: production refuses a missing or weak secret as it refuses the rest of the config.
  const publicLinks = openPublicLinkSecrets(env, logger);
  const host = await ServiceHost.open(
    { service: "signature", env, collections: signatureCollections, maxRequestBytes: MAX_MESSAGE_BYTES },
    { ...options, logger },
  );
  const now = options.clock ?? (() => new Date());
  const signing = timedSigning(host.metrics, await openSigning(env, now));
  registerSigningQueueGauge(host.metrics, () => host.store.count(signatureRetries));
  if (signing.source === "test-pki")
    host.logger.warn(
      { keys: signing.source },
      "signing with the local TEST PKI: results are not legally valid signatures",
    );
  // Ids only (DOMAIN.md §7), with the trace that tells which request or dossier step it was.
  const audit: SignatureAudit = {
    decided: (entry) => host.audit.append(entry),
    record: (entry) => host.audit.record(entry),
  };
  const ports: SignaturePorts = {
    store: host.store,
    commit: (ops) => host.commit(ops),
    files: new DocumentFiles(path.resolve(env.DATA_DIR, "signature", "documents")),
    signers: signing.signers,
    authorization: directoryLeaders(signing.signers),
    trust: { anchors: signing.anchors, revocation: signing.revocation },
    ...(signing.timestampAuthority ? { timestampAuthority: signing.timestampAuthority } : {}),
    defaultLevel: env.SIGNATURE_LEVEL,
    retryHorizonMs: env.SIGNATURE_RETRY_HORIZON_MS,
    placeOf: (unitCode) => {
      const units = host.reference.units;
      return units.commune(unitCode)?.name ?? units.province(units.provinceOf(unitCode) ?? "")?.name;
    },
    trackingUrl: (dossierCode) => env.SIGNATURE_TRACKING_URL.replace("{code}", encodeURIComponent(dossierCode)),
    audit,
    publicLinks,
    logger: host.logger,
    slipsNotIssued: slipsNotIssuedCounter(host.metrics),
    now,
  };
  signatureRoutes(host.http, ports);
  host.serveGrpc(signatureGrpc(ports));
  host.dossierProvince(async (dossierId) => {
    const [document] = await host.store.find(documents, { where: { dossierId }, limit: 1 });
    const unit = document?.data.competentAuthorityCode ?? document?.data.receivingUnitCode;
    return unit && host.reference.units.provinceOf(unit);
  });
  host.consume(signatureTopics, signatureEventHandler(ports), { handles: signatureHandles });
  // Parked signature requests live in the store: after a restart the first round finds them.
  host.runInBackground(
    pollingTask({
      name: "signature-retries",
      intervalMs: env.SIGNATURE_RETRY_POLL_MS,
      logger: host.logger,
      round: () => retryParkedSignatures(ports),
    }),
  );
  return host;
}
