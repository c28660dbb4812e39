import QRCode from "qrcode";

/**
 * The dark modules of a QR code for `text`, as rectangles of `moduleSize`
 * points with (x, y) the bottom-left corner, one rectangle per horizontal run.
 * Drawn as vectors, the code stays sharp at any zoom and costs no image.
 */
export function qrRects(text: string, x: number, y: number, size: number): [number, number, number, number][] {
  // A fixed mask: any of the eight is valid (ISO/IEC 18004 §7.8); choosing the
  // best by penalty score triples the cost of a code and changes nothing for a
  // scanner at this size.
  // One byte-mode segment: a URL gains nothing from qrcode's search for the
  // shortest mix of modes, which costs as much as the rest of the code.
  const { modules } = QRCode.create([{ data: Buffer.from(text, "utf8"), mode: "byte" }], {
    errorCorrectionLevel: "M",
    maskPattern: 2,
  });
  const moduleSize = size / modules.size;
  const rects: [number, number, number, number][] = [];
  for (let row = 0; row < modules.size; row += 1) {
    let runStart = -1;
    for (let column = 0; column <= modules.size; column += 1) {
      const dark = column < modules.size && modules.get(row, column) === 1;
      if (dark && runStart < 0) runStart = column;
      if (!dark && runStart >= 0) {
        rects.push([
          x + runStart * moduleSize,
          y + size - (row + 1) * moduleSize,
          (column - runStart) * moduleSize,
          moduleSize,
        ]);
        runStart = -1;
      }
    }
  }
  return rects;
}
