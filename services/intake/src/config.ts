import { envOptionalString, serviceEnv } from "@lienthong/service-kit";

/** intake's environment: the common variables plus where the reference data comes from. */
export const intakeEnv = serviceEnv(
  { httpPort: 8081, grpcPort: 50051 },
  {
    /** An operator's administrative-units file (official JSON list); the built-in sample otherwise. */
    UNITS_FILE: envOptionalString(),
  },
);
