// Telemetry first, so the instrumentations patch http and grpc before they load.
import { startTelemetry } from "@lienthong/service-host/telemetry";
startTelemetry({ serviceName: "routing" });

import { runStandalone } from "@lienthong/service-host";
import { createRoutingService } from "./service";

runStandalone(createRoutingService);
