import { demoApplication } from "../demo";

/**
 * Sample receiving units the benchmark rotates through: dossier codes are
 * allocated per receiving unit, one at a time, so spreading submissions over
 * several units measures intake rather than one unit's counter.
 */
export const benchReceivingUnits = ["14845", "14848", "14854", "14857", "00004", "11953"] as const;

/** The demo's synthetic application at the n-th unit of the rotation; every body has the same size. */
export function benchApplicationBody(sequence: number): string {
  const unit = benchReceivingUnits[sequence % benchReceivingUnits.length];
  return JSON.stringify({ ...demoApplication(), receivingUnitCode: unit, applicantCommuneCode: unit });
}
