import { Router, type Request } from "express";
import { applicationView, getApplication } from "../use-cases/get-application";
import type { Caller, IntakePorts } from "../use-cases/ports";
import { submitApplication } from "../use-cases/submit-application";

/** Until per-commune API keys arrive, the calling system names itself; the portal is the default. */
function callerOf(request: Request): Caller {
  const clientId = request.header("x-client-id");
  return { clientId: clientId && clientId.length <= 100 ? clientId : "portal" };
}

/** REST for commune systems and the portal: thin, every rule lives in the use cases. */
export function intakeRouter(ports: IntakePorts): Router {
  const router = Router();

  router.post("/v1/applications", async (request, response) => {
    const idempotencyKey = request.header("idempotency-key");
    const body: unknown = request.body;
    const input = idempotencyKey && typeof body === "object" && body !== null ? { ...body, idempotencyKey } : body;
    const { application, created } = await submitApplication(ports, callerOf(request), input);
    response
      .status(created ? 201 : 200)
      .location(`/v1/applications/${application.dossierCode}`)
      .setHeader("idempotent-replayed", String(!created))
      .json({ application: applicationView(application) });
  });

  router.get("/v1/applications/:dossierRef", async (request, response) => {
    const application = await getApplication(ports, request.params.dossierRef);
    response.json({ application: applicationView(application) });
  });

  return router;
}
