import * as path from "node:path";
import { type ServiceFactoryOptions, ServiceHost, loadConfig } from "@lienthong/service-host";
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
export async function createSignatureService(options: ServiceOptions = {}): Promise<ServiceHost> {
  const env = loadConfig(signatureEnv, options.env ?? process.env);
  const host = await ServiceHost.open({ service: "signature", env, collections: signatureCollections }, options);
  const now = options.clock ?? (() => new Date());
  const signing = await openSigning(env, now);
  if (signing.source === "test-pki")
    host.logger.warn(
      { keys: signing.source },
      "signing with the local TEST PKI: results are not legally valid signatures",
    );
  const ports: SignaturePorts = {
    store: host.store,
    commit: (ops) => host.commit(ops),
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
  host.http.app.use(signatureRouter(ports));
  host.serveGrpc(signatureGrpc(ports));
  host.consume(signatureTopics, signatureEventHandler(ports));
  return host;
}
