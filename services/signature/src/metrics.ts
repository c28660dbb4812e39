import type { ServiceMetrics } from "@lienthong/service-host";
import type { TimestampAuthority } from "./cades/timestamp";
import type { SlipKind } from "./pdf/slip-document";
import type { SignerCredential, SigningKey } from "./pki/signing-key";
import type { SigningSetup } from "./signers";
import type { SignerDirectory } from "./use-cases/signer-directory";

/**
 * How long signing takes, step by step, for province IT: the signing key's
 * operation (a local key, or the signing hook of an HSM or a remote service,
 * which is what gets slow) and the time-stamping authority's answer. Labels:
 * the step and its outcome only, never an official or a document.
 */

/** From a local key's few milliseconds to a remote hook or TSA that takes its time. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type Observe = (seconds: number) => void;

async function timed<T>(work: () => Promise<T>, ok: Observe, failed: Observe): Promise<T> {
  const started = performance.now();
  try {
    const result = await work();
    ok((performance.now() - started) / 1000);
    return result;
  } catch (error) {
    failed((performance.now() - started) / 1000);
    throw error;
  }
}

/** The signing setup with every key operation and time-stamp request timed. */
export function timedSigning(metrics: ServiceMetrics, setup: SigningSetup): SigningSetup {
  const histogram = metrics.histogram({
    name: "signature_duration_seconds",
    help: "Time a signing step took: the signing key's operation (step=sign) or the time-stamping authority's answer (step=timestamp), by outcome",
    labelNames: ["step", "outcome"],
    buckets: BUCKETS,
  });
  const observer = (step: string) => {
    const ok = histogram.labels(step, "ok");
    const failed = histogram.labels(step, "failed");
    return [(seconds: number) => ok.observe(seconds), (seconds: number) => failed.observe(seconds)] as const;
  };
  const [signOk, signFailed] = observer("sign");
  const [stampOk, stampFailed] = observer("timestamp");

  const timedKey = (key: SigningKey): SigningKey => ({
    algorithm: key.algorithm,
    sign: (dataToSign) => timed(() => key.sign(dataToSign), signOk, signFailed),
  });
  // One wrapped credential per official, made on first use: callers may compare or keep what they were given.
  const wrapped = new Map<string, SignerCredential>();
  const signers: SignerDirectory = {
    officialIds: setup.signers.officialIds,
    credential(officialId) {
      const credential = setup.signers.credential(officialId);
      if (!credential) return undefined;
      let timedCredential = wrapped.get(officialId);
      if (timedCredential?.certificate !== credential.certificate) {
        timedCredential = { ...credential, key: timedKey(credential.key) };
        wrapped.set(officialId, timedCredential);
      }
      return timedCredential;
    },
  };
  const tsa = setup.timestampAuthority;
  const timestampAuthority: TimestampAuthority | undefined = tsa && {
    // Read through: a TSA may learn its certificates from its first token.
    get certificates() {
      return tsa.certificates;
    },
    timestamp: (imprint) => timed(() => tsa.timestamp(imprint), stampOk, stampFailed),
  };
  return { ...setup, signers, ...(timestampAuthority ? { timestampAuthority } : {}) };
}

/**
 * The signing queue province IT watches: signature requests parked after a
 * failure that may heal (the TSA or the signing hook out of reach), waiting
 * for the retry worker. Growing means dossiers wait for their result.
 */
export function registerSigningQueueGauge(metrics: ServiceMetrics, waiting: () => Promise<number>): void {
  metrics.gauge({
    name: "signature_retries_waiting",
    help: "Signature requests parked after a failure that may heal, waiting for their next attempt",
    async collect() {
      this.set(await waiting());
    },
  });
}

/**
 * Desk slips refused for good — never issuable (no key, a key not declared for the unit, an unnamed unit) or
 * still failing at the retry horizon — which the desk must hand over on paper instead. Labels: the slip's kind
 * and the stable reason code only.
 */
export function slipsNotIssuedCounter(metrics: ServiceMetrics): (kind: SlipKind, reason: string) => void {
  const counter = metrics.counter({
    name: "signature_slips_not_issued_total",
    help: "Desk slips that could not be issued, by kind and reason code",
    // `code`: the platform's reason code, a closed set, as other families name it.
    labelNames: ["kind", "code"],
  });
  return (kind, reason) => counter.labels(kind, reason).inc();
}
