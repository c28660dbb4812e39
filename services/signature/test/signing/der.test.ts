import * as asn1js from "asn1js";
import { derElement, reframed, TAG } from "../../src/cades/der";

// asn1js is the reference: a signature framed by hand must be the bytes asn1js would have written.
const asn1jsDer = (element: asn1js.AsnType) => Buffer.from(element.toBER());

describe("DER framing of a signature's elements", () => {
  // Each side of every switch in the length's form: short (< 128), one, two and three long-form octets.
  it.each([0, 1, 127, 128, 255, 256, 65_535, 65_536, 70_000])(
    "frames %i content octets as asn1js encodes them",
    (length) => {
      const content = Buffer.alloc(length, 0x5a);
      expect(derElement(TAG.octetString, [content])).toEqual(asn1jsDer(new asn1js.OctetString({ valueHex: content })));
    },
  );

  // X.690 §8.1.3 and §10.1 by hand, so that the check does not rest on asn1js alone.
  it.each([
    [127, "047f"],
    [128, "048180"],
    [255, "0481ff"],
    [256, "04820100"],
    [65_536, "0483010000"],
  ])("writes the header of %i content octets as %s", (length, header) => {
    const element = derElement(TAG.octetString, [Buffer.alloc(length)]);
    expect(element.subarray(0, header.length / 2).toString("hex")).toBe(header);
    expect(element.length).toBe(header.length / 2 + length);
  });

  it("frames a SEQUENCE, a SET and context tags around elements already encoded", () => {
    const first = new asn1js.Integer({ value: 3 });
    const second = new asn1js.OctetString({ valueHex: Buffer.alloc(200, 1) });
    const parts = [asn1jsDer(first), asn1jsDer(second)];
    expect(derElement(TAG.sequence, parts)).toEqual(asn1jsDer(new asn1js.Sequence({ value: [first, second] })));
    expect(derElement(TAG.set, parts)).toEqual(asn1jsDer(new asn1js.Set({ value: [first, second] })));
    expect(derElement(TAG.context1, parts)).toEqual(
      asn1jsDer(new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 1 }, value: [first, second] })),
    );
  });

  it("retags a SET as [0] IMPLICIT, leaving the zeros after it out", () => {
    const members = [new asn1js.Integer({ value: 1 }), new asn1js.Utf8String({ value: "Mường Lát" })];
    const set = asn1jsDer(new asn1js.Set({ value: members }));
    const padded = Buffer.concat([set, Buffer.alloc(16)]);
    expect(reframed(padded, TAG.context0)).toEqual(
      asn1jsDer(new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: members })),
    );
    // The input is not changed: the signed attributes are what was signed.
    expect(padded.subarray(0, set.length)).toEqual(set);
  });

  it("writes an outside element's header anew in the shortest form (a CRL whose length took two octets for 80)", () => {
    const content = Buffer.alloc(0x50, 7);
    const longForm = Buffer.concat([Buffer.from([0x30, 0x82, 0x00, 0x50]), content]);
    expect(reframed(longForm)).toEqual(Buffer.concat([Buffer.from([0x30, 0x50]), content]));
  });

  it("refuses to retag what is not one DER element", () => {
    expect(() => reframed(Buffer.from([0x31, 0x05, 0x02]), TAG.context0)).toThrow(/not one DER element/);
  });
});
