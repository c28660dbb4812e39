import { mkdir, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { createTransport, type Transporter } from "nodemailer";
import { DeliveryError, type Mail, type MailSender } from "./ports";

/**
 * Mail through nodemailer: SMTP when a URL is configured, otherwise captured
 * as .eml files in a local folder (embedded mode), so a developer can open
 * what the citizen would have received.
 */
export class NodemailerSender implements MailSender {
  private constructor(
    private readonly transport: Transporter,
    private readonly from: string,
    private readonly captureDir: string | undefined,
  ) {}

  /**
   * Pooled unless the URL says `pool=false`: deliveries to different
   * recipients go out together, and one SMTP connection per message (a
   * handshake, perhaps TLS, each) would make the mail server the bottleneck.
   */
  static smtp(url: string, from: string): NodemailerSender {
    const pooled = new URL(url);
    if (!pooled.searchParams.has("pool")) pooled.searchParams.set("pool", "true");
    return new NodemailerSender(createTransport(pooled.toString()), from, undefined);
  }

  static capture(directory: string, from: string): NodemailerSender {
    return new NodemailerSender(
      createTransport({ streamTransport: true, buffer: true, newline: "unix" }),
      from,
      directory,
    );
  }

  get capturedIn(): string | undefined {
    return this.captureDir;
  }

  async send(mail: Mail): Promise<void> {
    try {
      const info = (await this.transport.sendMail({
        from: this.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        ...(mail.html !== undefined && { html: mail.html }),
        messageId: `<${mail.messageId}@lienthong>`,
      })) as { message?: Buffer };
      if (this.captureDir && info.message) {
        await mkdir(this.captureDir, { recursive: true });
        await writeFile(path.join(this.captureDir, `${mail.messageId}.eml`), info.message, { mode: 0o640 });
      }
    } catch (error) {
      const code = (error as { responseCode?: number }).responseCode;
      // 5xx SMTP replies are permanent; connection problems and 4xx are worth retrying.
      throw new DeliveryError(`mail not accepted${code ? ` (SMTP ${code})` : ""}`, !(code && code >= 500));
    }
  }

  close(): void {
    this.transport.close();
  }
}
