import { common, intake } from "@lienthong/contracts";
import { demoApplication } from "../demo";

/**
 * Sample receiving units the intake load rotates through: dossier codes are
 * allocated per receiving unit, one at a time, so spreading submissions over
 * several units measures intake rather than one unit's counter.
 */
export const benchReceivingUnits = ["14845", "14848", "14854", "14857", "00004", "11953"] as const;

/** The units of end-to-end dossiers: those with sample officials to accept and decide them. */
export const endToEndReceivingUnits = ["14845", "14848"] as const;

function benchApplication(sequence: number, units: readonly string[]) {
  const unit = units[sequence % units.length];
  return { ...demoApplication(), receivingUnitCode: unit, applicantCommuneCode: unit };
}

/** The demo's synthetic application at the n-th unit of a rotation; every body has the same size. */
export function benchApplicationBody(sequence: number, units: readonly string[] = benchReceivingUnits): string {
  return JSON.stringify(benchApplication(sequence, units));
}

/** The same application as a gRPC SubmitApplication request. */
export function benchApplicationMessage(sequence: number): intake.SubmitApplicationRequest {
  return intake.SubmitApplicationRequest.fromPartial({
    ...benchApplication(sequence, benchReceivingUnits),
    channel: common.Channel.CHANNEL_ONLINE,
  });
}
