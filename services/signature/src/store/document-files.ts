import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import * as path from "node:path";

/** Document ids are UUIDs; anything else never reaches the disk or the store. */
export function isDocumentId(value: string): boolean {
  return /^[0-9a-f-]{36}$/.test(value);
}

/**
 * Signed PDFs on disk, one file per document id. Written to a temporary name
 * and renamed, so a crash never leaves half a document under the real name.
 */
export class DocumentFiles {
  constructor(private readonly directory: string) {}

  pathOf(documentId: string): string {
    if (!isDocumentId(documentId)) throw new Error("document ids are UUIDs");
    return path.join(this.directory, `${documentId}.pdf`);
  }

  async write(documentId: string, bytes: Uint8Array): Promise<string> {
    await mkdir(this.directory, { recursive: true });
    const target = this.pathOf(documentId);
    const temporary = `${target}.${process.pid}.tmp`;
    await writeFile(temporary, bytes, { mode: 0o640 });
    await rename(temporary, target);
    return target;
  }

  async read(documentId: string): Promise<Buffer> {
    return readFile(this.pathOf(documentId));
  }
}
