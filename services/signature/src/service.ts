import * as path from "node:path";
import { type ServiceFactoryOptions, ServiceRuntime } from "@lienthong/runtime";
import { loadConfig } from "@lienthong/service-kit";
import { signatureGrpc } from "./api/grpc";
import { signatureRouter } from "./api/http";
import { signatureEnv } from "./config";
import { signatureEventHandler, signatureTopics } from "./events/consumers";
import { openSigning } from "./signers";
import { signatureCollections } from "./store/collections";
import { DocumentFiles } from "./store/document-files";
import { keyHoldersMaySign } from "./use-cases/authorize-signer";
import type { SignaturePorts } from "./use-cases/ports";

export type ServiceOptions = ServiceFactoryOptions;

/** The composition root of signature. */
export async function createSignatureService(options: ServiceOptions = {}): Promise<ServiceRuntime> {
  const env = loadConfig(signatureEnv, options.env ?? process.env);
  const runtime = await ServiceRuntime.open({
    service: "signature",
    env,
    collections: signatureCollections,
    broker: options.broker,
    ports: options.ports,
    logger: options.logger,
  });
  const now = options.clock ?? (() => new Date());
  const signing = await openSigning(env, now);
  if (signing.source === "test-pki")
    runtime.logger.warn(
      { keys: signing.source },
      "signing with the local TEST PKI: results are not legally valid signatures",
    );
  const ports: SignaturePorts = {
    store: runtime.store,
    commit: (ops) => runtime.commit(ops),
    files: new DocumentFiles(path.resolve(env.DATA_DIR, "signature", "documents")),
    signers: signing.signers,
    // The authorization rules (which leader signs for which authority) plug in here.
    authorization: keyHoldersMaySign,
    trust: { anchors: signing.anchors, revocation: signing.revocation },
    ...(signing.timestampAuthority ? { timestampAuthority: signing.timestampAuthority } : {}),
    defaultLevel: env.SIGNATURE_LEVEL,
    trackingUrl: (dossierCode) => env.SIGNATURE_TRACKING_URL.replace("{code}", encodeURIComponent(dossierCode)),
    now,
  };
  runtime.http.app.use(signatureRouter(ports));
  runtime.serveGrpc(signatureGrpc(ports));
  runtime.consume(signatureTopics, signatureEventHandler(ports));
  return runtime;
}
