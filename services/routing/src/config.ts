import { envOptionalString, serviceEnv } from "@lienthong/service-kit";

export const routingEnv = serviceEnv(
  { httpPort: 8082, grpcPort: 50052 },
  {
    /** An operator's administrative-units file (official JSON list); the built-in sample otherwise. */
    UNITS_FILE: envOptionalString(),
  },
);
