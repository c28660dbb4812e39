import QRCode from "qrcode";

/** A QR code as runs of dark modules: [column, row from the top, length], and the number of modules a side. */
export interface QrGrid {
  size: number;
  runs: [number, number, number][];
}

/**
 * The dark modules of a QR code for `text`, one run per horizontal stretch.
 * Drawn as vectors, the code stays sharp at any zoom and costs no image.
 */
export function qrGrid(text: string): QrGrid {
  // One byte-mode segment: a URL gains nothing from qrcode's search for the
  // shortest mix of modes, which costs as much as the rest of the code. A
  // fixed mask: any of the eight is valid (ISO/IEC 18004 §7.8); choosing the
  // best by penalty score triples the cost and changes nothing for a scanner
  // at this size.
  const { modules } = QRCode.create([{ data: Buffer.from(text, "utf8"), mode: "byte" }], {
    errorCorrectionLevel: "M",
    maskPattern: 2,
  });
  const runs: [number, number, number][] = [];
  for (let row = 0; row < modules.size; row += 1) {
    let runStart = -1;
    for (let column = 0; column <= modules.size; column += 1) {
      const dark = column < modules.size && modules.get(row, column) === 1;
      if (dark && runStart < 0) runStart = column;
      if (!dark && runStart >= 0) {
        runs.push([runStart, row, column - runStart]);
        runStart = -1;
      }
    }
  }
  return { size: modules.size, runs };
}
