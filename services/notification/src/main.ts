// Telemetry first, so the instrumentations patch http and grpc before they load.
import { startTelemetry } from "@lienthong/service-host/telemetry";
startTelemetry({ serviceName: "notification" });

import { runStandalone } from "@lienthong/service-host";
import { createNotificationService } from "./service";

runStandalone(createNotificationService);
