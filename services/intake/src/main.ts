// Telemetry first, so the instrumentations patch http and grpc before they load.
import { startTelemetry } from "@lienthong/service-kit/dist/telemetry";
startTelemetry({ serviceName: "intake" });

import { runStandalone } from "@lienthong/runtime";
import { createIntakeService } from "./service";

runStandalone(createIntakeService);
