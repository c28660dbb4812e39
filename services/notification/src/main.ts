// Telemetry first, so the instrumentations patch http and grpc before they load.
import { startTelemetry } from "@lienthong/service-kit/dist/telemetry";
startTelemetry({ serviceName: "notification" });

import { runStandalone } from "@lienthong/runtime";
import { createNotificationService } from "./service";

runStandalone(createNotificationService);
