import { Signer } from "@signpdf/signpdf";
import forge from "node-forge";
import { openPkcs12, type OpenedPkcs12 } from "../pki/pkcs12";
import type { SigningIdentity } from "../pki/pkcs12";

const OID = {
  sha256: "2.16.840.1.101.3.4.2.1",
  data: "1.2.840.113549.1.7.1",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
} as const;

const opened = new WeakMap<SigningIdentity, OpenedPkcs12>();

/**
 * Builds the detached CMS SignedData of a PDF signature with node-forge:
 * SHA-256, RSA PKCS#1 v1.5, signed attributes contentType, signingTime and
 * messageDigest, and the certificate chain from the PKCS#12.
 *
 * It replaces @signpdf's P12Signer, which names the signer certificate through
 * node-forge's re-encoding of the issuer name: node-forge UTF-8-encodes
 * UTF8String values a second time, so for a CA with a Vietnamese name
 * ("LiênThông", "Ban Cơ yếu Chính phủ") the signer identifier matches no
 * certificate and OpenSSL and poppler reject the signature.
 *
 * This is where a PAdES-T timestamp belongs: ask a TSA to stamp the signature
 * value and add the token as the signature-time-stamp unsigned attribute.
 */
export class Pkcs12CmsSigner extends Signer {
  private readonly pkcs12: OpenedPkcs12;

  constructor(identity: SigningIdentity) {
    super();
    // Opening a PKCS#12 runs its key derivation: once per identity, not per document.
    let pkcs12 = opened.get(identity);
    if (pkcs12 === undefined) {
      pkcs12 = openPkcs12(identity.p12, identity.passphrase);
      opened.set(identity, pkcs12);
    }
    this.pkcs12 = pkcs12;
  }

  override async sign(content: Buffer, signingTime?: Date): Promise<Buffer> {
    const { key, certificate, certificates } = this.pkcs12;
    const signedData = forge.pkcs7.createSignedData();
    signedData.content = forge.util.createBuffer(content.toString("binary"));
    for (const cert of certificates) signedData.addCertificate(cert);
    signedData.addSigner({
      key,
      issuer: issuerForForge(certificate),
      serialNumber: certificate.serialNumber,
      digestAlgorithm: OID.sha256,
      authenticatedAttributes: [
        { type: OID.contentType, value: OID.data },
        { type: OID.signingTime, value: signingTime ?? new Date() },
        // node-forge fills in the digest of the content.
        { type: OID.messageDigest },
      ],
      // The typings miss issuer/serialNumber (instead of certificate) and Date values.
    } as unknown as Parameters<typeof signedData.addSigner>[0]);
    signedData.sign({ detached: true });
    return Promise.resolve(Buffer.from(forge.asn1.toDer(signedData.toAsn1()).getBytes(), "binary"));
  }
}

/**
 * The issuer attributes as node-forge expects them when it encodes a name:
 * UTF8String values as text, not as the UTF-8 bytes its certificate parser
 * leaves in them.
 */
function issuerForForge(certificate: forge.pki.Certificate): forge.pki.CertificateField[] {
  return certificate.issuer.attributes.map((attribute) =>
    attribute.valueTagClass === (forge.asn1.Type.UTF8 as unknown as forge.asn1.Class) &&
    typeof attribute.value === "string"
      ? { ...attribute, value: forge.util.decodeUtf8(attribute.value) }
      : attribute,
  );
}
