import { invalidField } from "@lienthong/errors";
import { PADES_LEVELS, type PadesLevel, type PadesOptions } from "../pdf/pades";
import { SigningError } from "../pki/errors";
import type { SignaturePorts } from "./ports";

/** The level asked for, else the configured one; a level the setup cannot reach is refused before any key is used. */
export function levelOf(ports: SignaturePorts, requested: string | undefined): PadesLevel {
  const level = requested ? PADES_LEVELS.find((candidate) => candidate === requested) : ports.defaultLevel;
  if (level === undefined) throw invalidField("level", `must be one of ${PADES_LEVELS.join(", ")}`);
  if (level !== "B-B" && ports.timestampAuthority === undefined) {
    throw new SigningError("TIMESTAMP_FAILED", `level ${level} needs a time-stamping authority (SIGNATURE_TSA_URL)`);
  }
  return level;
}

export function padesOptions(
  ports: SignaturePorts,
  level: PadesLevel,
  fields: Pick<PadesOptions, "reason" | "location" | "signedAt" | "slot" | "heading">,
): PadesOptions {
  return {
    ...fields,
    level,
    ...(ports.timestampAuthority ? { timestampAuthority: ports.timestampAuthority } : {}),
    revocation: ports.trust.revocation,
  };
}
