export { certificateSubject, commonName, formatDistinguishedName } from "./distinguished-name";
export { SigningError, type SigningErrorCode } from "./errors";
export { loadPkcs12Signer, signingIdentityFromPkcs12, type SigningIdentity } from "./pkcs12";
export {
  DEFAULT_TEST_SIGNERS,
  ensureTestPki,
  TEST_CA_COMMON_NAME,
  type TestPki,
  type TestSignerSpec,
} from "./test-pki";
