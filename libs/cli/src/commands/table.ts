import Table from "cli-table3";

/** A count as people read it: 1,234. */
export function formatCount(value: number): string {
  return value.toLocaleString("en-US");
}

/** A plain table: no colours, so piped output and tests see the same text as a terminal. */
export function table(head: string[], rows: (string | number)[][], rightAligned: number[] = []): string {
  const output = new Table({
    head,
    style: { head: [], border: [], compact: true },
    colAligns: head.map((_, index) => (rightAligned.includes(index) ? "right" : "left")),
  });
  for (const row of rows) output.push(row.map((cell) => (typeof cell === "number" ? formatCount(cell) : cell)));
  return output.toString();
}
