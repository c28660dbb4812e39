import type { HttpApp } from "@lienthong/service-host";
import { applicationView, getApplication } from "../use-cases/get-application";
import { listApplications } from "../use-cases/list-applications";
import { lookupStatus, type LookupRateLimiter } from "../use-cases/lookup-status";
import type { IntakePorts } from "../use-cases/ports";
import { provideSupplement } from "../use-cases/provide-supplement";
import { getProcedure, getUnit, resolveOldUnit } from "../use-cases/reference-data";
import { submitApplication } from "../use-cases/submit-application";
import { withdrawApplication } from "../use-cases/withdraw-application";
import { CLIENT, PUBLIC_LOOKUP, REFERENCE_DATA } from "./access";

/** REST for commune systems, the portal and the public: thin, every rule lives in the use cases. */
export function intakeRoutes(
  http: HttpApp,
  ports: IntakePorts,
  lookupLimiter: LookupRateLimiter,
  bodyLimitBytes: number,
): void {
  http.route({
    method: "post",
    path: "/v1/applications",
    access: CLIENT,
    body: { json: { limitBytes: bodyLimitBytes } },
    handle: async (request, response, caller) => {
      const idempotencyKey = request.header("idempotency-key");
      const body: unknown = request.body;
      const input = idempotencyKey && typeof body === "object" && body !== null ? { ...body, idempotencyKey } : body;
      const { application, created } = await submitApplication(ports, caller.client, input);
      response
        .status(created ? 201 : 200)
        .location(`/v1/applications/${application.dossierCode}`)
        .setHeader("idempotent-replayed", String(!created))
        .json({ application: applicationView(application) });
    },
  });

  http.route({
    method: "get",
    path: "/v1/applications",
    access: CLIENT,
    handle: async (request, response, caller) => {
      const page = await listApplications(ports, caller.client, request.query);
      response.json({ applications: page.applications.map(applicationView), nextPageToken: page.nextPageToken ?? "" });
    },
  });

  http.route({
    method: "get",
    path: "/v1/applications/:dossierRef",
    access: CLIENT,
    handle: async (request, response, caller) => {
      const application = await getApplication(ports, caller.client, String(request.params.dossierRef));
      response.json({ application: applicationView(application) });
    },
  });

  http.route({
    method: "post",
    path: "/v1/applications/:dossierRef/supplement",
    access: CLIENT,
    body: { json: { limitBytes: bodyLimitBytes } },
    handle: async (request, response, caller) => {
      const application = await provideSupplement(
        ports,
        caller.client,
        String(request.params.dossierRef),
        request.body,
      );
      response.json({ application: applicationView(application) });
    },
  });

  // 202: the request is recorded; the status becomes 7 when routing confirms the withdrawal.
  http.route({
    method: "post",
    path: "/v1/applications/:dossierRef/withdrawal",
    access: CLIENT,
    handle: async (request, response, caller) => {
      const application = await withdrawApplication(
        ports,
        caller.client,
        String(request.params.dossierRef),
        request.body,
      );
      response
        .status(202)
        .json({ application: applicationView(application), withdrawalRequestedAt: application.withdrawalRequestedAt });
    },
  });

  http.route({
    method: "get",
    path: "/v1/public/status/:dossierCode",
    access: PUBLIC_LOOKUP,
    handle: async (request, response) => {
      response.setHeader("cache-control", "no-store");
      const factor = request.query.factor;
      // Past a limit the host answers 429 with Retry-After from the error's retryAfterSeconds.
      const status = await lookupStatus(ports, lookupLimiter, {
        clientIp: request.ip ?? "unknown",
        dossierCode: String(request.params.dossierCode),
        secondFactor: typeof factor === "string" ? factor : "",
      });
      response.json(status);
    },
  });

  http.route({
    method: "get",
    path: "/v1/units/resolve-old/:oldCode",
    access: REFERENCE_DATA,
    handle: async (request, response) => {
      response.json(resolveOldUnit(ports, String(request.params.oldCode)));
    },
  });

  http.route({
    method: "get",
    path: "/v1/units/:code",
    access: REFERENCE_DATA,
    handle: async (request, response) => {
      response.json({ unit: getUnit(ports, String(request.params.code)) });
    },
  });

  http.route({
    method: "get",
    path: "/v1/procedures/:code",
    access: REFERENCE_DATA,
    handle: async (request, response) => {
      response.json({ procedure: getProcedure(ports, String(request.params.code)) });
    },
  });
}
