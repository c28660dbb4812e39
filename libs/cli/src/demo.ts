import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { EventTypes } from "@lienthong/contracts";
import { API_KEY_HEADER, DEVELOPMENT_API_KEYS } from "@lienthong/intake";
import { statusLabel, type DossierStatus } from "@lienthong/domain";
import type { PlatformUrls } from "./platform-urls";

export interface DemoOptions {
  urls: PlatformUrls;
  outDir: string;
  timeoutMs: number;
  /** Progress lines for people; the JSON result is printed separately. */
  log: (line: string) => void;
}

/** A realistic marriage registration at the Mường Lát commune centre (synthetic applicant). */
export function demoApplication() {
  return {
    procedureCode: "1.000894",
    receivingUnitCode: "14845",
    applicantCommuneCode: "14845",
    channel: "online",
    applicant: {
      fullName: "Lò Thị Hoa",
      citizenId: "038190012345",
      phone: "0912345678",
      email: "lo.thi.hoa@example.vn",
      address: "Bản Na Khà, xã Mường Lát, tỉnh Thanh Hoá",
    },
    // The marriage registration form of the catalog (validated by intake).
    formFields: {
      applicantFullName: "Lò Thị Hoa",
      applicantCitizenId: "038190012345",
      applicantPhone: "0912345678",
      husbandFullName: "Hà Văn Minh",
      husbandCitizenId: "038189054321",
      wifeFullName: "Lò Thị Hoa",
      wifeCitizenId: "038190012345",
    },
  };
}

/** The Mường Lát commune system's development key (embedded mode's built-in keys). */
export const DEMO_API_KEY = DEVELOPMENT_API_KEYS.muongLat;

/** The embedded test PKI issues certificates to the demo officials only; another id could not sign. */
export const DEMO_OFFICIAL = "official-demo";

/** An official's action on a dossier through routing's REST API. */
export function officialAction(
  routingUrl: string,
  dossierCode: string,
  action: "accept" | "decide",
  body: Record<string, unknown> = {},
): Promise<Response> {
  return fetch(`${routingUrl}/v1/dossiers/${dossierCode}/actions/${action}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ officialId: DEMO_OFFICIAL, ...body }),
  });
}

/** The receiving unit's intake check (1 → 2 → 4), then the competent official's approval. */
export async function acceptAndApprove(
  routingUrl: string,
  dossierCode: string,
  summary = "Đủ điều kiện theo quy định.",
): Promise<void> {
  await expectOk(await officialAction(routingUrl, dossierCode, "accept"), "accept");
  await expectOk(await officialAction(routingUrl, dossierCode, "decide", { outcome: "approved", summary }), "decide");
}

interface Delivery {
  notificationId: string;
  channel: number;
  recipientKind: number;
  triggerType: string;
  stateName: string;
  attempts: number;
  deliveredAt?: string;
}

/**
 * Submits an application, has the competent official approve it, waits until
 * the signed result is issued and both the applicant and the commune system
 * were notified, and reports what happened — one dossier, one trace.
 */
export async function runDemo(options: DemoOptions) {
  const { urls, log } = options;
  const deadline = Date.now() + options.timeoutMs;
  await Promise.all(
    Object.values(urls).map((url) =>
      waitUntil(deadline, `${url} ready`, async () => (await fetch(`${url}/readyz`)).ok),
    ),
  );

  const submitted = await fetch(`${urls.intake}/v1/applications`, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": randomUUID(), [API_KEY_HEADER]: DEMO_API_KEY },
    body: JSON.stringify(demoApplication()),
  });
  const submission = (await expectOk(submitted, "submit")) as {
    application: { dossierId: string; dossierCode: string };
  };
  const { dossierId, dossierCode } = submission.application;
  const traceId = submitted.headers.get("x-trace-id") ?? "";
  log(`submitted ${dossierCode} (trace ${traceId})`);

  await waitUntil(
    deadline,
    "dossier registered at routing",
    async () => (await fetch(`${urls.routing}/v1/dossiers/${dossierCode}`)).ok,
  );
  log("the receiving unit accepts it; the competent official approves");
  await acceptAndApprove(urls.routing, dossierCode, "Đủ điều kiện đăng ký kết hôn theo quy định.");

  const isResultMessage = (d: Delivery) =>
    d.triggerType === EventTypes.resultIssued.type && d.stateName === "delivered";
  let deliveries: Delivery[] = [];
  await waitUntil(deadline, "result delivered to the applicant and the commune system", async () => {
    const response = await fetch(`${urls.notification}/v1/dossiers/${dossierCode}/deliveries`);
    deliveries = ((await response.json()) as { deliveries: Delivery[] }).deliveries;
    return deliveries.filter(isResultMessage).length >= 2;
  });

  let application = {
    status: 0,
    resultDocumentPath: "",
    appointmentAt: "",
    timeline: [] as { status: number; eventType: string }[],
  };
  await waitUntil(deadline, "intake timeline complete", async () => {
    const response = await fetch(`${urls.intake}/v1/applications/${dossierCode}`, {
      headers: { [API_KEY_HEADER]: DEMO_API_KEY },
    });
    application = ((await response.json()) as { application: typeof application }).application;
    const recorded = application.timeline.filter(
      (entry) => entry.eventType === EventTypes.notificationDelivered.type,
    ).length;
    return application.status === 9 && recorded >= deliveries.filter((d) => d.stateName === "delivered").length;
  });

  const pdf = Buffer.from(await (await fetch(`${urls.signature}${application.resultDocumentPath}`)).arrayBuffer());
  await mkdir(options.outDir, { recursive: true });
  const signedPdf = path.resolve(options.outDir, `${dossierCode}.pdf`);
  await writeFile(signedPdf, pdf);
  const verification = (await (
    await fetch(`${urls.signature}/v1/documents/verify`, {
      method: "POST",
      headers: { "content-type": "application/pdf" },
      body: pdf,
    })
  ).json()) as { valid: boolean; signerSubject: string; reportVi: string };
  log(`signed result saved to ${signedPdf}`);

  const spans = await Promise.all(
    (Object.keys(urls) as (keyof PlatformUrls)[]).map(async (service) => {
      const response = await fetch(`${urls[service]}/ops/traces/${traceId}`);
      return ((await response.json()) as { spans: { spanId: string; scope?: string; name: string }[] }).spans;
    }),
  );
  const uniqueSpans = new Map(spans.flat().map((span) => [span.spanId, span]));

  return {
    dossierId,
    dossierCode,
    traceId,
    finalStatus: application.status,
    finalStatusLabel: statusLabel(application.status as DossierStatus),
    appointmentAt: application.appointmentAt,
    signedPdf,
    signature: verification,
    notifications: deliveries.map((d) => ({
      notificationId: d.notificationId,
      channel: d.channel === 1 ? "email" : d.channel === 3 ? "webhook" : String(d.channel),
      recipient: d.recipientKind === 1 ? "applicant" : "commune-system",
      trigger: d.triggerType,
      state: d.stateName,
      attempts: d.attempts,
      deliveredAt: d.deliveredAt,
    })),
    timeline: application.timeline.map((entry) => ({ status: entry.status, eventType: entry.eventType })),
    traceSpans: uniqueSpans.size,
  };
}

async function expectOk(response: Response, step: string): Promise<unknown> {
  const body: unknown = await response.json();
  if (!response.ok) throw new Error(`${step} failed with HTTP ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

async function waitUntil(deadline: number, what: string, check: () => Promise<boolean>): Promise<void> {
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Not reachable yet: keep waiting until the deadline.
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
