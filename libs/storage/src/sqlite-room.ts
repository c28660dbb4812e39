import { statfsSync } from "node:fs";
import { dirname } from "node:path";
import type Database from "better-sqlite3";

/** The room a SQLite file's write-ahead log may take (journal_size_limit): free space below it is a full disk. */
export const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/** SQLite codes that mean the file cannot take more writes (a full disk, an I/O error writing, a read-only mount). */
const CANNOT_WRITE_CODES = /^SQLITE_(FULL|IOERR|READONLY)/;

/** Whether a SQLite (or file system) error means the file cannot take writes now, rather than a bad write. */
export function isCannotWrite(error: unknown): boolean {
  const code = typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
  return typeof code === "string" && (CANNOT_WRITE_CODES.test(code) || code === "ENOSPC");
}

/** Caps the database file at `maxBytes` (SQLite's max_page_count): past it writes fail as on a full disk. */
export function capFileSize(db: Database.Database, maxBytes: number): void {
  const pageSize = Number(db.pragma("page_size", { simple: true }));
  db.pragma(`max_page_count = ${Math.max(1, Math.floor(maxBytes / pageSize))}`);
}

/**
 * Whether writes work again after one failed for want of space: the file
 * system has room for the write-ahead log to grow to its limit (a WAL reuses
 * its own space, so a small write can pass while the next commit would not),
 * and a page's worth, written and taken back in one transaction, needs a free
 * page (or the size cap's room for one) as a commit does. Leaves no data
 * behind. Throws what is not a lack of room.
 */
export function hasRoomToWrite(db: Database.Database, file: string): boolean {
  const { bavail, bsize } = statfsSync(dirname(file));
  if (bavail * bsize < WAL_SIZE_LIMIT_BYTES) return false;
  try {
    db.transaction(() => {
      db.exec("CREATE TABLE IF NOT EXISTS write_probe (bytes BLOB NOT NULL)");
      const pageSize = Number(db.pragma("page_size", { simple: true }));
      db.prepare("INSERT INTO write_probe (bytes) VALUES (zeroblob(?))").run(pageSize);
      db.exec("DELETE FROM write_probe");
    })();
  } catch (error) {
    if (isCannotWrite(error)) return false;
    throw error;
  }
  return true;
}
