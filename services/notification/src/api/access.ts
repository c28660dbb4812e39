import type { Access } from "@lienthong/service-host";

/** A commune system or the portal, by its API key: the dossiers it received or is competent for. */
export const COMMUNE_SYSTEM = { client: true } as const satisfies Access;

/** An operator, by the official's token alone: any dossier. */
export const OPERATOR = { staff: ["operator"] } as const satisfies Access;

/**
 * The deliveries of a dossier, REST and gRPC alike: COMMUNE_SYSTEM (404 for
 * another tenant's dossier) or OPERATOR. The host's Access has no "either"
 * form, so the host is told to pass every authenticated caller (bad
 * credentials are still refused there) and `deliveriesReader`
 * (src/auth/access.ts), which the use case runs first, requires one of the two.
 */
export const DOSSIER_DELIVERIES = {
  public:
    "not public: a commune system's API key (its own dossiers) or an operator's token (any dossier) is required, checked by notification's access module because Access has no either-form",
} as const satisfies Access;
