/**
 * The benchmark's baseline: a bare express 5 app that parses a JSON body and
 * echoes it — no telemetry, logging, validation or storage. `lienthong bench`
 * forks this file, as it starts the platform in a process of its own, so the
 * two are measured under the same load generator in the same kind of process.
 * It reports its port over IPC and exits when the parent disconnects.
 */
import type { AddressInfo } from "node:net";
import express from "express";

const app = express();
app.disable("x-powered-by");
app.use(express.json({ limit: "1mb" }));
app.post("/echo", (request, response) => {
  response.json(request.body);
});

const server = app.listen(0, "127.0.0.1", () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.once("disconnect", () => {
  server.close();
  server.closeAllConnections();
});
