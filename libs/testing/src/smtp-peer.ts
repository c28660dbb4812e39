import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { readMail, type ReadMail } from "./raw-mail";

/** One message the server accepted, as it arrived and as a mail client would read it. */
export interface ReceivedMail extends ReadMail {
  envelopeFrom: string;
  envelopeTo: string[];
  raw: Buffer;
}

/** How the server answers RCPT TO for one address: accept, or an SMTP reply code with a text. */
export type RecipientAnswer = "accept" | { code: number; text: string };

export interface SmtpPeer {
  url: string;
  /** Every accepted message, in arrival order. */
  received: ReceivedMail[];
  /** Every RCPT TO the server saw (accepted or not), in order. */
  recipientAttempts: string[];
  /** How many SMTP connections clients opened. */
  readonly connections: number;
  /** Messages accepted for one recipient. */
  to(address: string): ReceivedMail[];
  /** Answers the next RCPT TO commands for `address` with these, in order; afterwards every one is accepted. */
  answer(address: string, answers: RecipientAnswer[]): void;
  /** Answers every RCPT TO for `address` with this. */
  answerAlways(address: string, answer: RecipientAnswer): void;
  /**
   * The next `count` messages for `address` are received (listed in `received`) but never answered: the
   * sender waits for a reply that does not come, as when a server took a message and the connection died.
   */
  holdNext(address: string, count?: number): void;
  close(): Promise<void>;
}

/**
 * A real SMTP server (nodemailer's smtp-server) on a free local port: the
 * service talks the whole protocol to it, and it can refuse recipients with a
 * temporary (4xx) or permanent (5xx) reply, as a mail provider would.
 * `onMessage` hears each message as it is accepted (the benchmark times result mails by it).
 */
export async function startSmtpPeer(options: { onMessage?: (mail: ReceivedMail) => void } = {}): Promise<SmtpPeer> {
  const received: ReceivedMail[] = [];
  const recipientAttempts: string[] = [];
  const scripted = new Map<string, RecipientAnswer[]>();
  const always = new Map<string, RecipientAnswer>();
  const held = new Map<string, number>();
  let connections = 0;

  const server = new SMTPServer({
    // Plain SMTP on loopback: no STARTTLS offer (the built-in certificate is not trusted), no AUTH.
    disabledCommands: ["STARTTLS", "AUTH"],
    authOptional: true,
    logger: false,
    closeTimeout: 1_000,
    onConnect(_session, callback) {
      connections += 1;
      callback();
    },
    onRcptTo(address, _session, callback) {
      const recipient = address.address.toLowerCase();
      recipientAttempts.push(recipient);
      const answer = scripted.get(recipient)?.shift() ?? always.get(recipient) ?? "accept";
      if (answer === "accept") {
        callback();
        return;
      }
      callback(Object.assign(new Error(answer.text), { responseCode: answer.code }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks);
        const mail: ReceivedMail = {
          ...readMail(raw),
          envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase()),
          raw,
        };
        received.push(mail);
        options.onMessage?.(mail);
        const holding = mail.envelopeTo.find((address) => (held.get(address) ?? 0) > 0);
        if (holding !== undefined) {
          held.set(holding, held.get(holding)! - 1);
          return;
        }
        // Accepted only once recorded: the sender's success implies the test can see the message.
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  // Once listening, smtp-server reports a client's broken connection on the server: a client killed mid-session
  // (the benchmark kills a platform that fell behind, with its pooled connections open) resets it. A mail server
  // goes on serving the others; unheard, the event would end the process.
  server.on("error", () => undefined);
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    recipientAttempts,
    get connections() {
      return connections;
    },
    to: (address) => received.filter((mail) => mail.envelopeTo.includes(address.toLowerCase())),
    answer(address, answers) {
      scripted.set(address.toLowerCase(), [...answers]);
    },
    answerAlways(address, answer) {
      always.set(address.toLowerCase(), answer);
    },
    holdNext(address, count = 1) {
      held.set(address.toLowerCase(), count);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
