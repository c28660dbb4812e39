// Telemetry first, so the instrumentations patch http and grpc before they load.
import { startTelemetry } from "@lienthong/service-host/telemetry";
startTelemetry({ serviceName: "signature" });

import { runStandalone } from "@lienthong/service-host";
import { createSignatureService } from "./service";

runStandalone(createSignatureService);
