const MIB = 1024 * 1024;

/** The largest PDF signed or verified: a REST body, a gRPC field. */
export const MAX_PDF_BYTES = 20 * MIB;

/** The largest file a CAdES signature is made over or verified for. */
export const MAX_FILE_BYTES = 50 * MIB;

/** REST: a file and its signature, base64 in JSON (a third larger), with room for the rest. */
export const MAX_JSON_BYTES = Math.ceil((MAX_FILE_BYTES * 4) / 3) + MIB;

/** gRPC: the largest message, a file with its signature and the other fields (grpc-js accepts 4 MiB by default). */
export const MAX_MESSAGE_BYTES = MAX_FILE_BYTES + MIB;
