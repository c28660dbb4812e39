import * as asn1js from "asn1js";
import { derElement, retagged, TAG } from "../../src/cades/der";

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
    expect(retagged(padded, TAG.context0)).toEqual(
      asn1jsDer(new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: members })),
    );
    // The input is not changed: the signed attributes are what was signed.
    expect(padded.subarray(0, set.length)).toEqual(set);
  });

  it("refuses to retag what is not one DER element", () => {
    expect(() => retagged(Buffer.from([0x31, 0x05, 0x02]), TAG.context0)).toThrow(/not one DER element/);
  });
});
