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

/** Identifier octets of the elements a signature is assembled from (X.690 §8.1.2). */
export const TAG = {
  octetString: 0x04,
  sequence: 0x30,
  set: 0x31,
  /** Context-specific, constructed: [0] and [1]. */
  context0: 0xa0,
  context1: 0xa1,
} as const;

/**
 * One DER element around contents already in DER: its identifier octet, its
 * definite length (short form below 128 octets, else the fewest long-form
 * octets, X.690 §8.1.3 and §10.1) and the contents. A signature is assembled
 * from a handful of such elements around parts encoded once per signer; asn1js
 * built and encoded a tree of objects for each, which cost about a seventh of
 * a signed document's CPU (decision 78).
 */
export function derElement(identifier: number, contents: readonly Uint8Array[]): Buffer {
  let length = 0;
  for (const part of contents) length += part.length;
  return Buffer.concat([identifierAndLength(identifier, length), ...contents]);
}

function identifierAndLength(identifier: number, length: number): Buffer {
  if (length < 0x80) return Buffer.from([identifier, length]);
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return Buffer.from([identifier, 0x80 | octets.length, ...octets]);
}

/**
 * The first DER element of `bytes` with its header written anew: its length in
 * the shortest form, whatever form it came in, and its identifier or the one
 * given (e.g. the SET of signed attributes as SignerInfo's [0] IMPLICIT).
 * Parts from outside (a timestamp token, a CRL) go into a signature this way,
 * so that its headers are DER even where theirs were not.
 */
export function reframed(bytes: Uint8Array, identifier = bytes[0] ?? 0): Buffer {
  const { start, length } = elementBounds(bytes);
  return derElement(identifier, [bytes.subarray(start, start + length)]);
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
