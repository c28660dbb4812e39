export { certificatesFromPem, certificateToPem, issueCertificate, parseCertificate, toX509 } from "./certificates";
export { certificateSubject, commonName, formatDistinguishedName } from "./distinguished-name";
export { SigningError, type SigningErrorCode } from "./errors";
export { openPkcs12, openPkcs12File, type OpenedPkcs12 } from "./pkcs12";
export { CrlRevocationSource, issueCrl, type RevocationSource, type RevocationStatus } from "./revocation";
export { LocalSigningKey, type SignerCredential, type SigningKey } from "./signing-key";
export {
  DEFAULT_TEST_SIGNERS,
  ensureTestPki,
  TEST_CA_COMMON_NAME,
  type TestPki,
  type TestSignerSpec,
} from "./test-pki";
