import * as asn1js from "asn1js";

/**
 * A DER element encoded once (a certificate, an attribute, a timestamp token)
 * reused as it is inside larger asn1js structures: asn1js copies its content
 * bytes instead of walking and re-encoding the element's tree on every
 * signature. Only the identifier and length octets are read here (X.690
 * §8.1.2–8.1.3, low tag numbers, definite lengths: what DER allows for the
 * universal and context tags we embed); asn1js.fromBER would decode the
 * whole tree just to find where the content starts.
 */
export function preEncoded(encoded: Uint8Array | ArrayBuffer): asn1js.Primitive {
  const der = encoded instanceof Uint8Array ? encoded : new Uint8Array(encoded);
  const identifier = der[0] ?? 0;
  const { start, length } = elementBounds(der);
  const element = new asn1js.Primitive({
    idBlock: { tagClass: (identifier >> 6) + 1, tagNumber: identifier & 0x1f },
    valueHex: der.subarray(start, start + length),
  });
  // Primitive's constructor clears the flag; a SEQUENCE or SET must keep it.
  element.idBlock.isConstructed = (identifier & 0x20) !== 0;
  return element;
}

/**
 * Where the content of the DER element at the start of `der` begins and how
 * long it is; undefined-length or multi-octet tags are not DER we read.
 */
function elementBounds(der: Uint8Array): { start: number; length: number } {
  const identifier = der[0] ?? 0;
  const first = der[1] ?? 0;
  const lengthOctets = first < 0x80 ? 0 : first & 0x7f;
  let length = first < 0x80 ? first : 0;
  for (let index = 0; index < lengthOctets; index += 1) length = length * 256 + (der[2 + index] ?? 0);
  const start = 2 + lengthOctets;
  if (
    der.length < 2 ||
    (identifier & 0x1f) === 0x1f ||
    first === 0x80 ||
    lengthOctets > 4 ||
    start + length > der.length
  ) {
    throw new Error("not one DER element with a low tag number and a definite length");
  }
  return { start, length };
}

/** The first DER element of `bytes` without what follows it (a PDF's /Contents hole is zero-padded). */
export function firstElement(bytes: Uint8Array): Uint8Array {
  const { start, length } = elementBounds(bytes);
  return bytes.subarray(0, start + length);
}

/** X.690 §11.6: DER sorts the members of a SET OF by their encodings, the shorter padded with zeros. */
export function compareDer(a: Uint8Array, b: Uint8Array): number {
  const length = Math.max(a.length, b.length);
  for (let index = 0; index < length; index += 1) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
