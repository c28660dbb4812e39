import { DOSSIER_CODE_PATTERN, dossierDatePart, parseDossierCode } from "@lienthong/domain";
import { waitFor } from "@lienthong/testing";
import { applications } from "../src/store/collections";
import {
  MUONG_LAT,
  marriageForm,
  postApplication,
  startIntake,
  validApplication,
  type IntakeHarness,
} from "./support/intake-harness";

const SUBMISSIONS = 1000;
/** A burst of a thousand on two busy cores: each reply may take a while, none may be lost. */
const BURST_TIMEOUT_MS = 150_000;
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
        postApplication(
          harness.running.httpUrl,
          validApplication({ formFields: { ...marriageForm, husbandFullName: `ticket-${index}` } }),
          {},
          BURST_TIMEOUT_MS,
        ),
      ),
    );
    const dayAfter = dossierDatePart(new Date());

    expect(replies.map((reply) => reply.status)).toEqual(Array(SUBMISSIONS).fill(201));
    const issued = replies.map((reply, index) => {
      const { dossierCode, dossierId } = (reply.body as { application: { dossierCode: string; dossierId: string } })
        .application;
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

    const stored = await harness.runtime.store.find(applications, {});
    expect(stored).toHaveLength(SUBMISSIONS);
    const byCode = new Map(stored.map(({ data }) => [data.dossierCode, data]));
    for (const { ticket, dossierCode, dossierId } of issued) {
      const record = byCode.get(dossierCode);
      expect(record?.dossierId).toBe(dossierId);
      expect(record?.formFields.husbandFullName).toBe(ticket);
    }
    await waitFor(() => harness.observed.length >= SUBMISSIONS, {
      description: `${SUBMISSIONS} submitted events`,
      timeoutMs: 60_000,
    });
    expect(new Set(harness.observed.map((event) => event.key))).toEqual(
      new Set(issued.map(({ dossierId }) => dossierId)),
    );
  }, 240_000);
});

describe("dossier codes when two intake instances share one store", () => {
  let first: IntakeHarness;
  let second: IntakeHarness;

  beforeAll(async () => {
    first = await startIntake();
    second = await startIntake({ sharedDataDir: first.dataDir });
  });

  afterAll(async () => {
    await second?.stop();
    await first?.stop();
  });

  test("300 submissions spread over both get 300 consecutive codes: the counter's version check settles the races", async () => {
    const count = 300;
    const replies = await Promise.all(
      Array.from({ length: count }, (_, index) =>
        postApplication(
          (index % 2 === 0 ? first : second).running.httpUrl,
          validApplication({ formFields: { ...marriageForm, husbandFullName: `ticket-${index}` } }),
        ),
      ),
    );
    expect(replies.map((reply) => reply.status)).toEqual(Array(count).fill(201));
    const sequences = replies
      .map(
        (reply) =>
          parseDossierCode((reply.body as { application: { dossierCode: string } }).application.dossierCode)
            ?.sequence ?? 0,
      )
      .sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: count }, (_, index) => index + 1));
    expect(await first.runtime.store.count(applications)).toBe(count);
  });
});

describe("concurrent retries of one submission under one Idempotency-Key", () => {
  let harness: IntakeHarness;

  beforeAll(async () => {
    harness = await startIntake();
  });

  afterAll(async () => {
    await harness?.stop();
  });

  test("20 simultaneous identical requests create one dossier; the other 19 are replays of it", async () => {
    const headers = { "idempotency-key": "muonglat-retry-storm-0001" };
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => postApplication(harness.running.httpUrl, validApplication(), headers)),
    );
    expect(replies.map((reply) => reply.status).sort()).toEqual([...Array(19).fill(200), 201]);
    const codes = new Set(
      replies.map((reply) => (reply.body as { application: { dossierCode: string } }).application.dossierCode),
    );
    expect(codes.size).toBe(1);
    expect(await harness.runtime.store.count(applications)).toBe(1);
    // The code counter moved by one: the losing drafts did not burn codes.
    const next = await postApplication(harness.running.httpUrl, validApplication());
    expect((next.body as { application: { dossierCode: string } }).application.dossierCode).toMatch(/-0002$/);
  });
});
