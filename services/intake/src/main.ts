// Telemetry first, so the instrumentations patch http and grpc before they load.
import { startTelemetry } from "@lienthong/service-host/telemetry";
startTelemetry({ serviceName: "intake" });

import { runStandalone } from "@lienthong/service-host";
import { createIntakeService } from "./service";

runStandalone(createIntakeService);
