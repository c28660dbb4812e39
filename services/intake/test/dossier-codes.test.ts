import { DOSSIER_CODE_PATTERN, dossierDatePart, parseDossierCode } from "@lienthong/domain";
import { waitFor } from "@lienthong/testing";
import { Collections, type ApplicationRecord } from "../src/store/collections";
import { MUONG_LAT, postApplication, startIntake, validApplication, type IntakeHarness } from "./support/intake-harness";

const SUBMISSIONS = 200;
const LAST_CODE = String(SUBMISSIONS).padStart(4, "0");

describe("dossier codes under concurrent submissions at one receiving unit", () => {
  let harness: IntakeHarness;

  beforeAll(async () => {
    harness = await startIntake();
  });

  afterAll(async () => {
    await harness?.stop();
  });

  test(`${SUBMISSIONS} simultaneous submissions get ${SUBMISSIONS} consecutive codes 0001..${LAST_CODE}, each on its own dossier`, async () => {
    const dayBefore = dossierDatePart(new Date());
    // Each request carries its own marker so a code handed to the wrong dossier shows.
    const replies = await Promise.all(
      Array.from({ length: SUBMISSIONS }, (_, index) =>
        postApplication(harness.running.httpUrl, validApplication({ formFields: { counterTicket: `ticket-${index}` } })),
      ),
    );
    const dayAfter = dossierDatePart(new Date());

    expect(replies.map((reply) => reply.status)).toEqual(Array(SUBMISSIONS).fill(201));
    const issued = replies.map((reply, index) => {
      const { dossierCode, dossierId } = (reply.body as { application: { dossierCode: string; dossierId: string } }).application;
      return { ticket: `ticket-${index}`, dossierCode, dossierId };
    });

    for (const { dossierCode } of issued) expect(dossierCode).toMatch(DOSSIER_CODE_PATTERN);
    const parsed = issued.map(({ dossierCode }) => parseDossierCode(dossierCode));
    expect(new Set(parsed.map((code) => code?.agencyCode))).toEqual(new Set([MUONG_LAT]));
    // All on one Vietnam calendar day (a run straddling midnight would legitimately restart at 0001).
    expect(dayAfter).toBe(dayBefore);
    expect(new Set(parsed.map((code) => code?.date))).toEqual(new Set([dayBefore]));
    const sequences = parsed.map((code) => code?.sequence ?? 0).sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: SUBMISSIONS }, (_, index) => index + 1));
    expect(new Set(issued.map(({ dossierId }) => dossierId)).size).toBe(SUBMISSIONS);

    const stored = await harness.runtime.store.find<ApplicationRecord>(Collections.applications, {});
    expect(stored).toHaveLength(SUBMISSIONS);
    const byCode = new Map(stored.map(({ data }) => [data.dossierCode, data]));
    for (const { ticket, dossierCode, dossierId } of issued) {
      const record = byCode.get(dossierCode);
      expect(record?.dossierId).toBe(dossierId);
      expect(record?.formFields.counterTicket).toBe(ticket);
    }
    await waitFor(() => harness.observed.length >= SUBMISSIONS, { description: `${SUBMISSIONS} submitted events`, timeoutMs: 10_000 });
    expect(new Set(harness.observed.map((event) => event.key))).toEqual(new Set(issued.map(({ dossierId }) => dossierId)));
  });
});
