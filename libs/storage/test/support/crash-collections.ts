/**
 * The collections of the kill -9 test, shared by the crash writer (a child
 * process) and the test that checks what it left behind. Imports the port
 * alone so the child loads no adapter it does not use.
 */
import { defineCollection } from "../../src/port";

/** One per acknowledged batch; the padding makes each batch a few KiB. */
export interface Receipt {
  n: number;
  padding: string;
}

/** The number of the last batch written. */
export interface Tally {
  n: number;
}

export const receipts = defineCollection<Receipt>("receipts", { indexes: [["n"]] });
export const tally = defineCollection<Tally>("tally");
