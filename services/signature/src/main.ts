// Telemetry first, so the instrumentations patch http and grpc before they load.
import { startTelemetry } from "@lienthong/service-kit/dist/telemetry";
startTelemetry({ serviceName: "signature" });

import { runStandalone } from "@lienthong/runtime";
import { createSignatureService } from "./service";

runStandalone(createSignatureService);
