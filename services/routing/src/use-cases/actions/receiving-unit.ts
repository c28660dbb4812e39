import type { AgencyRecord, AssignmentRecord } from "../../store/collections";
import { agencyByCode } from "../competent-authority";
import type { RoutingPorts } from "../ports";

/**
 * The unit that received the dossier, named as the desk's slips print it: the commune or agency its code names in
 * routing's reference data; else (a unit above the commune that decides nothing, such as a provincial centre
 * `38.TTPVHCC`, decision 56) the name intake sent with the application. Without either the name is empty and
 * signature refuses the slip rather than print another unit's name (decision 58).
 */
export function receivingUnitOf(
  ports: RoutingPorts,
  data: Pick<AssignmentRecord, "receivingUnitCode" | "receivingUnitName" | "receivingProvinceCode">,
): AgencyRecord {
  return (
    agencyByCode(ports, data.receivingUnitCode) ?? {
      code: data.receivingUnitCode,
      name: data.receivingUnitName ?? "",
      level: 0,
      communeCode: "",
      provinceCode: data.receivingProvinceCode,
    }
  );
}
