import { intake } from "@lienthong/contracts";
import { unary, type GrpcServiceRegistration } from "@lienthong/service-kit";
import { applicationView, getApplication } from "../use-cases/get-application";
import type { IntakePorts } from "../use-cases/ports";
import { submitApplication } from "../use-cases/submit-application";

/** gRPC for commune systems: the same use cases as REST; the caller names itself in `x-client-id` metadata. */
export function intakeGrpc(ports: IntakePorts): GrpcServiceRegistration {
  const implementation: intake.IntakeServiceServer = {
    submitApplication: unary(async (request: intake.SubmitApplicationRequest, { metadata }) => {
      const clientId = String(metadata.get("x-client-id")[0] ?? "portal");
      const { application } = await submitApplication(ports, { clientId }, {
        idempotencyKey: request.idempotencyKey || undefined,
        procedureCode: request.procedureCode,
        receivingUnitCode: request.receivingUnitCode,
        applicantCommuneCode: request.applicantCommuneCode || undefined,
        applicant: request.applicant && {
          fullName: request.applicant.fullName,
          citizenId: request.applicant.citizenId,
          phone: request.applicant.phone || undefined,
          email: request.applicant.email || undefined,
          address: request.applicant.address || undefined,
        },
        channel: request.channel || undefined,
        formFields: request.formFields,
      });
      return intake.SubmitApplicationResponse.fromPartial({ application: applicationView(application) });
    }),
    getApplication: unary(async (request: intake.GetApplicationRequest) =>
      intake.GetApplicationResponse.fromPartial({ application: applicationView(await getApplication(ports, request.dossierRef)) }),
    ),
  };
  return { definition: intake.IntakeServiceService, implementation };
}
