import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { events } from "@lienthong/contracts";
import { DEVELOPMENT_OFFICIALS } from "@lienthong/service-host";
import { waitFor } from "@lienthong/testing";
import { Webhook } from "standardwebhooks";
import { readDsn } from "../src/channels/dsn";
import {
  EFFECT_TIMEOUT_MS,
  startNotification,
  type Dossier,
  type NotificationHarness,
  type RestDelivery,
} from "./support/notification-harness";

const { DELIVERY_CHANNEL_EMAIL: EMAIL } = events.DeliveryChannel;
const DSN_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const PREVIOUS_SECRET = "whsec_9bN3yQ2kZ7wXcV5tR8pL1mJ4hG6fD0sA";
const OTHER_SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const POSTFIX_BOUNCE = readFileSync(path.join(__dirname, "fixtures", "dsn", "postfix-bounce.eml"), "utf8");

/**
 * A DSN as Postfix returns it (test/fixtures/dsn/postfix-bounce.eml: its
 * layout, with the headers of the message the test SMTP server really
 * received), for one applicant's mail.
 */
function postfixDsn(returned: Buffer, recipient: string, action: string, status: string): Buffer {
  const raw = returned.toString("utf8");
  const headers = raw.slice(0, raw.search(/\r?\n\r?\n/));
  return Buffer.from(
    POSTFIX_BOUNCE.replaceAll("%RECIPIENT%", recipient)
      .replace("%ACTION%", action)
      .replace("%STATUS%", status)
      .replace("%RETURNED_HEADERS%", headers.replace(/\r\n/g, "\n")),
  );
}

/**
 * Bounces and delivery status notifications (RFC 3464): the mailbox pipe posts
 * the DSN, signed like the gateways' receipts; the mail it returns, found by
 * its Message-ID, becomes a permanent failure (with NotificationFailed) or
 * delivered.
 */
describe("notification: the mail server's delivery status notifications", () => {
  let harness: NotificationHarness;

  beforeAll(async () => {
    harness = await startNotification({ MAIL_DSN_SECRET: DSN_SECRET, MAIL_DSN_PREVIOUS_SECRET: PREVIOUS_SECRET });
  }, 60_000);

  afterAll(async () => {
    await harness?.stop();
  });

  /** Posts a DSN as the mailbox pipe does; `signature` overrides the library's (over the body read as UTF-8). */
  const post = async (
    body: Buffer,
    secret = DSN_SECRET,
    options: { at?: Date; signature?: (id: string, timestamp: number) => string } = {},
  ) => {
    const id = `msg_${Math.random().toString(36).slice(2)}`;
    const at = options.at ?? new Date();
    const timestamp = Math.floor(at.getTime() / 1000);
    const signature = options.signature?.(id, timestamp) ?? new Webhook(secret).sign(id, at, body.toString("utf8"));
    const response = await fetch(`${harness.running.httpUrl}/v1/delivery-receipts/mail`, {
      method: "POST",
      headers: {
        "content-type": "message/rfc822",
        "webhook-id": id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": signature,
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  /** An accepted dossier whose acceptance mail the SMTP server took; the raw message it received. */
  async function mailed(email: string): Promise<{ dossier: Dossier; mail: RestDelivery; raw: Buffer }> {
    const dossier = await harness.submit({ applicant: { email } });
    await harness.handled(await harness.accept(dossier));
    const listed = await harness.waitForDeliveries(
      dossier.dossierCode,
      (all) => all.some((d) => d.channel === EMAIL && d.stateName === "delivered"),
      "the acceptance mail taken by the SMTP server",
    );
    const [received] = harness.mail.to(email);
    return { dossier, mail: listed.find((d) => d.channel === EMAIL)!, raw: received!.raw };
  }

  it("reads the original Message-ID, the action and the status code of a Postfix bounce", async () => {
    const { mail, raw } = await mailed("doc.dsn@example.vn");
    expect(await readDsn(postfixDsn(raw, "doc.dsn@example.vn", "failed", "5.1.1"))).toEqual({
      originalMessageId: `${mail.notificationId}@lienthong`,
      action: "failed",
      status: "5.1.1",
    });
  });

  it("a bounce makes the mail a permanent failure, once, with NotificationFailed and an audit entry", async () => {
    const email = "khong.ton.tai@example.vn";
    const { dossier, mail, raw } = await mailed(email);
    expect(mail).toMatchObject({ stateName: "delivered", status: "sent" });
    const bounce = postfixDsn(raw, email, "failed", "5.1.1");

    expect(await post(bounce)).toEqual({ status: 200, body: { outcome: "recorded" } });
    const [failed] = (await harness.deliveries(dossier.dossierCode)).filter((d) => d.channel === EMAIL);
    expect(failed).toMatchObject({
      stateName: "failed",
      status: "permanent-failure",
      lastError: "mail bounced (5.1.1)",
    });
    expect(failed!.history.map((step) => step.status)).toEqual(["created", "sent", "permanent-failure"]);
    await waitFor(
      () =>
        harness
          .outcomesOf(dossier.dossierId, "notificationFailed")
          .some((o) => o.notificationId === mail.notificationId),
      { description: "NotificationFailed for the bounced mail", timeoutMs: EFFECT_TIMEOUT_MS },
    );
    // The MTA repeats itself; nothing changes twice.
    expect(await post(bounce)).toEqual({ status: 200, body: { outcome: "already-settled" } });
    expect(
      harness
        .outcomesOf(dossier.dossierId, "notificationFailed")
        .filter((o) => o.notificationId === mail.notificationId),
    ).toHaveLength(1);

    const auditor = await harness.token(DEVELOPMENT_OFFICIALS.auditor);
    await waitFor(
      async () => {
        const reply = await harness.call("GET", "/v1/audit?limit=1000", { token: auditor });
        const entries = (reply.body as { entries: { action: string; outcome: string; target: string }[] }).entries;
        return entries.some(
          (e) => e.action === "record_mail_dsn" && e.outcome === "allowed" && e.target === dossier.dossierId,
        );
      },
      { description: "the DSN audited", timeoutMs: EFFECT_TIMEOUT_MS },
    );
    // The address the DSN repeats is in no log line.
    expect(harness.logLines.filter((line) => line.includes(email))).toEqual([]);
  });

  it("a success DSN makes it delivered; a delay changes nothing", async () => {
    const email = "da.nhan@example.vn";
    const { dossier, raw } = await mailed(email);
    expect(await post(postfixDsn(raw, email, "delayed", "4.4.1"))).toEqual({
      status: 200,
      body: { outcome: "delayed" },
    });
    expect((await harness.deliveries(dossier.dossierCode)).find((d) => d.channel === EMAIL)).toMatchObject({
      status: "sent",
    });
    expect(await post(postfixDsn(raw, email, "delivered", "2.0.0"))).toEqual({
      status: 200,
      body: { outcome: "recorded" },
    });
    expect((await harness.deliveries(dossier.dossierCode)).find((d) => d.channel === EMAIL)).toMatchObject({
      stateName: "delivered",
      status: "delivered",
    });
  });

  it("refuses another secret (403), what is not a DSN (400) and a Message-ID not ours (404)", async () => {
    const email = "tu.choi@example.vn";
    const { dossier, raw } = await mailed(email);
    const bounce = postfixDsn(raw, email, "failed", "5.1.1");
    expect((await post(bounce, OTHER_SECRET)).status).toBe(403);
    expect((await post(raw)).status).toBe(400);
    const foreign = Buffer.from(bounce.toString("utf8").replace(/<[0-9a-f-]{36}@lienthong>/, "<abc@example.vn>"));
    expect((await post(foreign)).status).toBe(404);
    expect((await harness.deliveries(dossier.dossierCode)).find((d) => d.channel === EMAIL)).toMatchObject({
      status: "sent",
    });
  });

  it("keeps a relayed mail sent: a relay's report confirms no delivery (RFC 3464), noted in its history", async () => {
    const email = "chuyen.tiep@example.vn";
    const { dossier, raw } = await mailed(email);
    expect(await post(postfixDsn(raw, email, "relayed", "2.0.0"))).toEqual({
      status: 200,
      body: { outcome: "recorded" },
    });
    const mail = (await harness.deliveries(dossier.dossierCode)).find((d) => d.channel === EMAIL)!;
    expect(mail).toMatchObject({ stateName: "delivered", status: "sent" });
    expect(mail.history.map((step) => step.status)).toEqual(["created", "sent", "sent"]);
    expect(mail.history.at(-1)?.reason).toBe("mail relayed (2.0.0): no delivery report to come");
    // A bounce from beyond the relay still settles it.
    expect(await post(postfixDsn(raw, email, "failed", "5.1.1"))).toEqual({
      status: 200,
      body: { outcome: "recorded" },
    });
  });

  it("verifies the signature over the body's bytes, 8-bit ones too; takes the previous secret, refuses a stale timestamp", async () => {
    const email = "tam.bit@example.vn";
    const { dossier, raw } = await mailed(email);
    // An 8-bit byte (Latin-1 "é") in the returned headers: not UTF-8, as a DSN may return a message.
    const text = postfixDsn(raw, email, "failed", "5.1.1").toString("utf8");
    const at = text.indexOf("Subject:");
    const bounce = Buffer.concat([
      Buffer.from(text.slice(0, at), "utf8"),
      Buffer.from("X-Legacy: caf\xe9\r\n", "latin1"),
      Buffer.from(text.slice(at), "utf8"),
    ]);
    expect(bounce.includes(Buffer.from([0xe9]))).toBe(true);
    // Signed as Standard Webhooks says: the HMAC of "id.timestamp.body" over the bytes as sent.
    const overBytes = (secret: string) => (id: string, timestamp: number) =>
      "v1," +
      createHmac("sha256", Buffer.from(secret.slice("whsec_".length), "base64"))
        .update(Buffer.concat([Buffer.from(`${id}.${timestamp}.`), bounce]))
        .digest("base64");
    expect((await post(bounce, DSN_SECRET, { signature: overBytes(OTHER_SECRET) })).status).toBe(403);
    const stale = new Date(Date.now() - 10 * 60_000);
    expect((await post(bounce, DSN_SECRET, { at: stale, signature: overBytes(DSN_SECRET) })).status).toBe(403);
    expect(await post(bounce, DSN_SECRET, { signature: overBytes(PREVIOUS_SECRET) })).toEqual({
      status: 200,
      body: { outcome: "recorded" },
    });
    expect((await harness.deliveries(dossier.dossierCode)).find((d) => d.channel === EMAIL)).toMatchObject({
      status: "permanent-failure",
    });
    // The current secret, through the library, on a UTF-8 body.
    const { raw: other } = await mailed("tam.bit.hai@example.vn");
    expect((await post(postfixDsn(other, "tam.bit.hai@example.vn", "delayed", "4.4.1"))).status).toBe(200);
  });

  it("finds a resent mail by either Message-ID: the replaced copy's DSN is superseded, the new one's settles it", async () => {
    const email = "gui.lai@example.vn";
    const { dossier, mail, raw } = await mailed(email);
    const operator = await harness.token(DEVELOPMENT_OFFICIALS.operator);
    expect(
      (await harness.call("POST", `/ops/deliveries/${mail.notificationId}/resend`, { token: operator })).status,
    ).toBe(202);
    await waitFor(() => harness.mail.to(email).length === 2, {
      description: "the mail sent again",
      timeoutMs: EFFECT_TIMEOUT_MS,
    });
    const resent = harness.mail.to(email)[1]!;
    expect(resent.headers.get("message-id")).toBe(`<${mail.notificationId}.1@lienthong>`);
    await harness.waitForDeliveries(
      dossier.dossierCode,
      (all) => all.some((d) => d.channel === EMAIL && d.status === "sent" && d.history.length > 2),
      "the resent mail taken by the SMTP server",
    );
    expect(await post(postfixDsn(raw, email, "failed", "5.1.1"))).toEqual({
      status: 200,
      body: { outcome: "superseded" },
    });
    expect(await post(postfixDsn(resent.raw, email, "delivered", "2.0.0"))).toEqual({
      status: 200,
      body: { outcome: "recorded" },
    });
    expect((await harness.deliveries(dossier.dossierCode)).find((d) => d.channel === EMAIL)).toMatchObject({
      status: "delivered",
    });
  });
});
