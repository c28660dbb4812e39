/**
 * Writes PDF objects and cross-reference sections as bytes. Documents and
 * incremental updates are assembled here directly rather than through a PDF
 * library's save(): the layout is known, so one pass of string building
 * replaces a parse-and-serialize round per document.
 */
export class PdfWriter {
  private readonly chunks: Buffer[] = [];
  private readonly offsets = new Map<number, number>();
  private position: number;

  /** `start`: where these bytes begin in the file (the length of the original for an incremental update). */
  constructor(private readonly start = 0) {
    this.position = start;
  }

  get offset(): number {
    return this.position;
  }

  raw(data: Buffer | string): void {
    const bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data;
    this.chunks.push(bytes);
    this.position += bytes.length;
  }

  /** `body` is the object's content (a dictionary, a stream, an array), without "obj"/"endobj". */
  object(number: number, body: Buffer | string): number {
    const at = this.position;
    this.offsets.set(number, at);
    this.raw(`${number} 0 obj\n`);
    this.raw(body);
    this.raw("\nendobj\n");
    return at;
  }

  /**
   * A classic cross-reference table of the objects written here, then the
   * trailer. A first revision (`original`) numbers its objects 1..n without
   * gaps and gets the one subsection from 0 that PDF 32000-1 §7.5.4 asks for.
   */
  xrefTableAndTrailer(trailer: string, original: boolean): void {
    const xrefAt = this.position;
    const numbers = [...this.offsets.keys()].sort((a, b) => a - b);
    const runs = original ? [[0, ...numbers]] : consecutiveRuns(numbers);
    let table = "xref\n";
    for (const run of runs) {
      table += `${run[0]} ${run.length}\n`;
      for (const number of run) {
        table +=
          number === 0 ? "0000000000 65535 f \n" : `${String(this.offsets.get(number)).padStart(10, "0")} 00000 n \n`;
      }
    }
    this.raw(`${table}trailer\n<< ${trailer} >>\nstartxref\n${xrefAt}\n%%EOF\n`);
  }

  /**
   * A cross-reference stream (PDF 1.5) as object `number`, for updates of files
   * whose own cross-reference is a stream: readers follow /Prev of one kind.
   */
  xrefStreamAndTrailer(number: number, trailer: string): void {
    const xrefAt = this.position;
    this.offsets.set(number, xrefAt);
    const numbers = [...this.offsets.keys()].sort((a, b) => a - b);
    const rows = Buffer.alloc(numbers.length * 6);
    numbers.forEach((objectNumber, index) => {
      rows[index * 6] = 1;
      rows.writeUInt32BE(this.offsets.get(objectNumber) ?? 0, index * 6 + 1);
      rows[index * 6 + 5] = 0;
    });
    const index = consecutiveRuns(numbers)
      .map((run) => `${run[0]} ${run.length}`)
      .join(" ");
    this.raw(
      `${number} 0 obj\n<< /Type /XRef /W [1 4 1] /Index [${index}] ${trailer} /Length ${rows.length} >>\nstream\n`,
    );
    this.raw(rows);
    this.raw(`\nendstream\nendobj\nstartxref\n${xrefAt}\n%%EOF\n`);
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks, this.position - this.start);
  }
}

function consecutiveRuns(sorted: number[]): number[][] {
  const runs: number[][] = [];
  for (const number of sorted) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[last.length - 1] === number - 1) last.push(number);
    else runs.push([number]);
  }
  return runs;
}

/** A PDF text string: ASCII as an escaped literal, anything else as UTF-16BE with a byte-order mark. */
export function pdfText(value: string): string {
  const text = value.normalize("NFC");
  if (/^[\x20-\x7e]*$/.test(text)) return `(${text.replace(/[()\\]/g, (char) => `\\${char}`)})`;
  return `<FEFF${Buffer.from(text, "utf16le").swap16().toString("hex").toUpperCase()}>`;
}

/** A PDF date in Vietnam's offset, e.g. D:20261121101500+07'00'. */
export function pdfDate(at: Date): string {
  const local = new Date(at.getTime() + 7 * 3600 * 1000).toISOString();
  return `(D:${local.slice(0, 19).replace(/[-T:]/g, "")}+07'00')`;
}

/** A number as PDF writes it: at most three decimals, no exponent. */
export function num(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}
