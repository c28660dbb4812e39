import { randomUUID } from "node:crypto";
import { link, mkdir, open, readFile, rm } from "node:fs/promises";
import * as path from "node:path";

/** Document ids are UUIDs; anything else never reaches the disk or the store. */
export function isDocumentId(value: string): boolean {
  return /^[0-9a-f-]{36}$/.test(value);
}

/**
 * Signed PDFs on disk, one file per document id. Written to a temporary name
 * and linked to the real one, so a crash never leaves half a document under
 * the real name, and the first writer of an id wins: a document is never
 * overwritten.
 */
export class DocumentFiles {
  constructor(private readonly directory: string) {}

  pathOf(documentId: string): string {
    if (!isDocumentId(documentId)) throw new Error("document ids are UUIDs");
    return path.join(this.directory, `${documentId}.pdf`);
  }

  /**
   * Stores `bytes` under the id unless a document is already there, and returns the bytes stored. Two
   * members handling the same event (after a rebalance) each sign their own copy: the first to land is the
   * document, and both must record its hash, not their own.
   */
  async write(documentId: string, bytes: Uint8Array): Promise<Buffer> {
    await mkdir(this.directory, { recursive: true });
    const target = this.pathOf(documentId);
    const temporary = `${target}.${randomUUID()}.tmp`;
    // On disk before the record that names it is committed: a power cut must not leave a record without its PDF.
    await writeDurably(temporary, bytes);
    try {
      // link(2) fails with EEXIST instead of replacing the target, as rename(2) would.
      await link(temporary, target);
      await syncDirectory(this.directory);
      return Buffer.from(bytes);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      return readFile(target);
    } finally {
      await rm(temporary, { force: true });
    }
  }

  async read(documentId: string): Promise<Buffer> {
    return readFile(this.pathOf(documentId));
  }
}

async function writeDurably(file: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(file, "wx", 0o640);
  try {
    await handle.writeFile(bytes);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** A new name in a directory is durable once the directory is synced. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
