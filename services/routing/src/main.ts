// Telemetry first, so the instrumentations patch http and grpc before they load.
import { startTelemetry } from "@lienthong/service-kit/dist/telemetry";
startTelemetry({ serviceName: "routing" });

import { runStandalone } from "@lienthong/runtime";
import { createRoutingService } from "./service";

runStandalone(createRoutingService);
