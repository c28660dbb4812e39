import { existsSync } from "node:fs";
import * as path from "node:path";
import { expect, test } from "@jest/globals";
import { EventTypes, type EventTypeName } from "@lienthong/contracts";
import { expectedDeliveries } from "../src/demo";

/** notification's shipped Vietnamese templates: one file for each event it tells the applicant about. */
const SHIPPED_TEMPLATES = path.resolve(__dirname, "..", "..", "..", "services", "notification", "assets", "templates");

/**
 * The demo and the distributed checker expect a mail for exactly the events notification has templates for (and
 * so plans a mail for): not a list of their own that drifts when notification tells the applicant of a new event.
 */
test("the demo expects the applicant's mail for exactly the events notification has templates for", () => {
  const names = Object.keys(EventTypes) as EventTypeName[];
  const mailed = names.filter((name) =>
    expectedDeliveries([{ eventType: EventTypes[name].type, status: 0 }]).includes(`email ${EventTypes[name].type}`),
  );
  expect(mailed.sort()).toEqual(
    names.filter((name) => existsSync(path.join(SHIPPED_TEMPLATES, "vi", `${name}.yaml`))).sort(),
  );
  // The ones the demo's own list once left out.
  expect(mailed).toEqual(expect.arrayContaining(["paymentRequested", "apologyIssued", "supplementOverdue"]));
  expect(mailed).not.toContain("dossierRouted");
});
