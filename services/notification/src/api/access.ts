import type { Access } from "@lienthong/service-host";

/**
 * What notification's endpoints ask of their callers. Which dossier a caller
 * may read is decided in src/auth/access.ts, for both transports alike.
 */

/**
 * A commune system or the portal by its API key, REST and gRPC: the dossiers it
 * received or is competent for. An operator's token it forwards reads any
 * dossier when the client acts for the operator's own unit (the province's
 * operations console): how operators reach the one gRPC method.
 */
export const COMMUNE_SYSTEM = { client: true } as const satisfies Access;

/** An operator's token alone (REST, the operators' route): any dossier. */
export const OPERATOR = { staff: ["operator"] } as const satisfies Access;
