import { demoApplication } from "../demo";

/**
 * Sample receiving units the intake load rotates through: dossier codes are
 * allocated per receiving unit, one at a time, so spreading submissions over
 * several units measures intake rather than one unit's counter.
 */
export const benchReceivingUnits = ["14845", "14848", "14854", "14857", "00004", "11953"] as const;

/** The units of end-to-end dossiers: those with sample officials to accept and decide them. */
export const endToEndReceivingUnits = ["14845", "14848"] as const;

/** The demo's synthetic application at the n-th unit of a rotation; every body has the same size. */
export function benchApplicationBody(sequence: number, units: readonly string[] = benchReceivingUnits): string {
  const unit = units[sequence % units.length];
  return JSON.stringify({ ...demoApplication(), receivingUnitCode: unit, applicantCommuneCode: unit });
}
