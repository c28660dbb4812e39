import { PlatformError } from "@lienthong/errors";
import { Router, type Request, type Response } from "express";
import { API_KEY_HEADER, type ApiKeys } from "../auth/api-keys";
import { applicationView, getApplication } from "../use-cases/get-application";
import { listApplications } from "../use-cases/list-applications";
import { lookupStatus, type LookupRateLimiter } from "../use-cases/lookup-status";
import type { IntakePorts } from "../use-cases/ports";
import { provideSupplement } from "../use-cases/provide-supplement";
import { getProcedure, getUnit, resolveOldUnit } from "../use-cases/reference-data";
import { submitApplication } from "../use-cases/submit-application";
import { withdrawApplication } from "../use-cases/withdraw-application";

export interface HttpDependencies {
  apiKeys: ApiKeys;
  lookupLimiter: LookupRateLimiter;
}

/** REST for commune systems, the portal and the public: thin, every rule lives in the use cases. */
export function intakeRouter(ports: IntakePorts, dependencies: HttpDependencies): Router {
  const router = Router();
  router.use(applicationsRouter(ports, dependencies.apiKeys));
  router.use(publicRouter(ports, dependencies.lookupLimiter));
  return router;
}

/** /v1/applications: every route needs a commune system's API key and sees only that tenant's dossiers. */
function applicationsRouter(ports: IntakePorts, apiKeys: ApiKeys): Router {
  const router = Router();
  const callerOf = (request: Request) => apiKeys.authenticate(request.header(API_KEY_HEADER));

  router.post("/v1/applications", async (request, response) => {
    const caller = callerOf(request);
    const idempotencyKey = request.header("idempotency-key");
    const body: unknown = request.body;
    const input = idempotencyKey && typeof body === "object" && body !== null ? { ...body, idempotencyKey } : body;
    const { application, created } = await submitApplication(ports, caller, input);
    response
      .status(created ? 201 : 200)
      .location(`/v1/applications/${application.dossierCode}`)
      .setHeader("idempotent-replayed", String(!created))
      .json({ application: applicationView(application) });
  });

  router.get("/v1/applications", async (request, response) => {
    const page = await listApplications(ports, callerOf(request), request.query);
    response.json({ applications: page.applications.map(applicationView), nextPageToken: page.nextPageToken ?? "" });
  });

  router.get("/v1/applications/:dossierRef", async (request, response) => {
    const application = await getApplication(ports, callerOf(request), request.params.dossierRef);
    response.json({ application: applicationView(application) });
  });

  router.post("/v1/applications/:dossierRef/supplement", async (request, response) => {
    const application = await provideSupplement(ports, callerOf(request), request.params.dossierRef, request.body);
    response.json({ application: applicationView(application) });
  });

  // 202: the request is recorded; the status becomes 7 when routing confirms the withdrawal.
  router.post("/v1/applications/:dossierRef/withdrawal", async (request, response) => {
    const application = await withdrawApplication(ports, callerOf(request), request.params.dossierRef, request.body);
    response
      .status(202)
      .json({ application: applicationView(application), withdrawalRequestedAt: application.withdrawalRequestedAt });
  });

  return router;
}

/** No API key: public status tracking (rate-limited) and reference data. */
function publicRouter(ports: IntakePorts, lookupLimiter: LookupRateLimiter): Router {
  const router = Router();

  router.get("/v1/public/status/:dossierCode", async (request, response) => {
    response.setHeader("cache-control", "no-store");
    const factor = request.query.factor;
    try {
      const status = await lookupStatus(ports, lookupLimiter, {
        clientIp: request.ip ?? "unknown",
        dossierCode: request.params.dossierCode,
        secondFactor: typeof factor === "string" ? factor : "",
      });
      response.json(status);
    } catch (error) {
      setRetryAfter(response, error);
      throw error;
    }
  });

  router.get("/v1/units/resolve-old/:oldCode", (request, response) => {
    response.json(resolveOldUnit(ports, request.params.oldCode));
  });

  router.get("/v1/units/:code", (request, response) => {
    response.json({ unit: getUnit(ports, request.params.code) });
  });

  router.get("/v1/procedures/:code", (request, response) => {
    response.json({ procedure: getProcedure(ports, request.params.code) });
  });

  return router;
}

function setRetryAfter(response: Response, error: unknown): void {
  const seconds =
    error instanceof PlatformError && error.code === "RESOURCE_EXHAUSTED"
      ? error.details?.retryAfterSeconds
      : undefined;
  if (typeof seconds === "number") response.setHeader("retry-after", String(seconds));
}
