import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { resultMailSubject } from "@lienthong/notification";
import { startSmtpPeer, type SmtpPeer } from "@lienthong/testing/smtp-peer";

/**
 * The applicants' mail server as the benchmark sees it: a real SMTP server
 * the platform sends to (its SMTP_URL), noting when each message arrives. A
 * dossier is done when its result mail is here. Waiting on the mail server
 * costs the platform nothing, where polling the deliveries API every 100 ms
 * for each dossier in flight loads the very pipeline being measured (at
 * 20 dossiers/s that polling alone was most of the platform's work).
 */
export class ResultMailbox {
  /** Subject → when it arrived (performance.now()): subjects name the dossier, so one map serves every dossier. */
  private readonly arrivals = new Map<string, number>();
  private readonly waiting = new Map<string, () => void>();

  private constructor(private peer: SmtpPeer | undefined) {}

  static async open(): Promise<ResultMailbox> {
    const mailbox = new ResultMailbox(undefined);
    mailbox.peer = await startSmtpPeer({ onMessage: (mail) => mailbox.arrived(mail.subject) });
    return mailbox;
  }

  /** What the platform's SMTP_URL must be. */
  get url(): string {
    if (!this.peer) throw new Error("the mailbox is not open");
    return this.peer.url;
  }

  /** When the dossier's result mail arrived (performance.now()), or undefined if not by `deadline`. */
  async resultMailOf(dossierCode: string, deadline: number): Promise<number | undefined> {
    const subject = resultMailSubject(dossierCode);
    const arrived = this.arrivals.get(subject);
    if (arrived !== undefined) return arrived;
    const controller = new AbortController();
    const mail = new Promise<void>((resolve) => this.waiting.set(subject, resolve));
    const timeout = sleep(Math.max(0, deadline - performance.now()), undefined, { signal: controller.signal }).catch(
      () => undefined,
    );
    await Promise.race([mail, timeout]);
    controller.abort();
    this.waiting.delete(subject);
    return this.arrivals.get(subject);
  }

  /**
   * Forgets every mail: a fresh platform numbers its dossiers from the start
   * again, so an earlier platform's mail would answer for a new dossier.
   */
  forget(): void {
    this.arrivals.clear();
  }

  async close(): Promise<void> {
    await this.peer?.close();
  }

  private arrived(subject: string): void {
    const now = performance.now();
    if (!this.arrivals.has(subject)) this.arrivals.set(subject, now);
    this.waiting.get(subject)?.();
  }
}
