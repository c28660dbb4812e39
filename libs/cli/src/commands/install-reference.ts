import { randomUUID } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import * as path from "node:path";
import { referenceDirectory } from "@lienthong/domain";

/**
 * Installs a reference file so that a service starting at any moment reads
 * either the old file or the new one, never half of one: written beside the
 * target, checked with the services' own loader, flushed, then renamed over it.
 */
export function installReference(
  dataDir: string,
  fileName: string,
  content: unknown,
  verify: (file: string) => void,
): string {
  const directory = referenceDirectory(dataDir);
  mkdirSync(directory, { recursive: true });
  const target = path.join(directory, fileName);
  const temporary = path.join(directory, `.${fileName}.${randomUUID()}.tmp`);
  try {
    const fd = openSync(temporary, "wx");
    try {
      writeSync(fd, `${JSON.stringify(content, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    verify(temporary);
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  // The rename itself survives a power cut only once the directory is flushed.
  const directoryFd = openSync(directory, "r");
  try {
    fsyncSync(directoryFd);
  } finally {
    closeSync(directoryFd);
  }
  return target;
}
