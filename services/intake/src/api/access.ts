import type { Access } from "@lienthong/service-host";

/**
 * What intake's endpoints ask of their callers, REST and gRPC alike. Two
 * kinds are public, on purpose: the citizen's status lookup (the second
 * factor and a rate limit guard it) and the published reference data.
 */
export const CLIENT = { client: true } as const satisfies Access;
export const PUBLIC_LOOKUP = {
  public: "citizens track their dossier with its code and a second factor; rate-limited per code and address",
} as const satisfies Access;
export const REFERENCE_DATA = {
  public: "administrative units and the procedure catalog are published information",
} as const satisfies Access;

/** Province IT: reads any dossier of its province, without the applicant's personal data (the operations console). */
export const OPERATOR = { staff: ["operator"] } as const satisfies Access;
