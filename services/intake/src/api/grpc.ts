import { intake, type common } from "@lienthong/contracts";
import { type GrpcServiceRegistration, unary } from "@lienthong/service-host";
import type { ApplicationRecord } from "../store/collections";
import { applicationView, getApplication } from "../use-cases/get-application";
import { listApplications } from "../use-cases/list-applications";
import { lookupStatus, type LookupRateLimiter } from "../use-cases/lookup-status";
import type { IntakePorts } from "../use-cases/ports";
import { provideSupplement } from "../use-cases/provide-supplement";
import { getProcedure, getUnit, resolveOldUnit } from "../use-cases/reference-data";
import { submitApplication } from "../use-cases/submit-application";
import { withdrawApplication } from "../use-cases/withdraw-application";
import { CLIENT, PUBLIC_LOOKUP, REFERENCE_DATA } from "./access";

/** proto3 has no absent scalars: empty content / zero size / empty hash mean "not sent". */
function attachmentUploads(uploads: intake.AttachmentUpload[]) {
  return uploads.map((upload) => ({
    name: upload.name,
    mediaType: upload.mediaType,
    content: upload.content.byteLength > 0 ? upload.content : undefined,
    sizeBytes: upload.sizeBytes > 0 ? upload.sizeBytes : undefined,
    sha256: upload.sha256 || undefined,
  }));
}

function application(record: ApplicationRecord): intake.Application {
  return intake.Application.fromPartial(applicationView(record));
}

/** "ipv4:10.0.0.7:51234" / "[::1]:51234" → the address without the port. */
function peerAddress(peer: string): string {
  const address = peer.replace(/^ipv[46]:/, "");
  const bracketed = /^\[([^\]]+)\]/.exec(address);
  if (bracketed) return bracketed[1] ?? address;
  const colon = address.lastIndexOf(":");
  return colon > 0 && address.indexOf(":") === colon ? address.slice(0, colon) : address;
}

/** gRPC for commune systems: the same use cases and access as REST; the API key travels in `x-api-key` metadata. */
export function intakeGrpc(ports: IntakePorts, lookupLimiter: LookupRateLimiter): GrpcServiceRegistration {
  const implementation: intake.IntakeServiceServer = {
    submitApplication: unary(CLIENT, async (request: intake.SubmitApplicationRequest, { caller }) => {
      const { application: record } = await submitApplication(ports, caller.client, {
        idempotencyKey: request.idempotencyKey || undefined,
        procedureCode: request.procedureCode,
        receivingUnitCode: request.receivingUnitCode,
        applicantCommuneCode: request.applicantCommuneCode || undefined,
        landCommuneCode: request.landCommuneCode || undefined,
        applicant: request.applicant && {
          fullName: request.applicant.fullName,
          citizenId: request.applicant.citizenId,
          phone: request.applicant.phone || undefined,
          email: request.applicant.email || undefined,
          address: request.applicant.address || undefined,
          notificationPreferences: preferencesInput(request.applicant.notificationPreferences),
        },
        channel: request.channel || undefined,
        formFields: request.formFields,
        attachments: attachmentUploads(request.attachments),
      });
      return intake.SubmitApplicationResponse.fromPartial({ application: application(record) });
    }),
    getApplication: unary(CLIENT, async (request: intake.GetApplicationRequest, { caller }) =>
      intake.GetApplicationResponse.fromPartial({
        application: application(await getApplication(ports, caller.client, request.dossierRef)),
      }),
    ),
    listApplications: unary(CLIENT, async (request: intake.ListApplicationsRequest, { caller }) => {
      const page = await listApplications(ports, caller.client, {
        status: request.status || undefined,
        procedureCode: request.procedureCode || undefined,
        from: request.submittedFrom,
        to: request.submittedTo,
        overdue: request.overdueOnly,
        pageSize: request.pageSize || undefined,
        pageToken: request.pageToken || undefined,
      });
      return intake.ListApplicationsResponse.fromPartial({
        applications: page.applications.map(application),
        nextPageToken: page.nextPageToken ?? "",
      });
    }),
    provideSupplement: unary(CLIENT, async (request: intake.ProvideSupplementRequest, { caller }) => {
      const record = await provideSupplement(ports, caller.client, request.dossierRef, {
        formFields: request.formFields,
        attachments: attachmentUploads(request.attachments),
        providedItems: request.providedItems,
      });
      return intake.ProvideSupplementResponse.fromPartial({ application: application(record) });
    }),
    withdrawApplication: unary(CLIENT, async (request: intake.WithdrawApplicationRequest, { caller }) => {
      const record = await withdrawApplication(ports, caller.client, request.dossierRef, {
        reason: request.reason,
      });
      return intake.WithdrawApplicationResponse.fromPartial({ application: application(record) });
    }),
    lookupStatus: unary(PUBLIC_LOOKUP, async (request: intake.LookupStatusRequest, { peer }) =>
      intake.LookupStatusResponse.fromPartial(
        await lookupStatus(ports, lookupLimiter, {
          clientIp: peerAddress(peer),
          dossierCode: request.dossierCode,
          secondFactor: request.secondFactor,
        }),
      ),
    ),
  };
  return { definition: intake.IntakeServiceService, implementation };
}

/** Reference data over gRPC; public, like REST. */
export function referenceDataGrpc(ports: IntakePorts): GrpcServiceRegistration {
  const implementation: intake.ReferenceDataServiceServer = {
    getUnit: unary(REFERENCE_DATA, async (request: intake.GetUnitRequest) =>
      intake.GetUnitResponse.fromPartial({ unit: getUnit(ports, request.code) }),
    ),
    resolveOldUnit: unary(REFERENCE_DATA, async (request: intake.ResolveOldUnitRequest) =>
      intake.ResolveOldUnitResponse.fromPartial(resolveOldUnit(ports, request.oldCode)),
    ),
    getProcedure: unary(REFERENCE_DATA, async (request: intake.GetProcedureRequest) => {
      const { formFields, ...procedure } = getProcedure(ports, request.code);
      return intake.GetProcedureResponse.fromPartial({
        procedure: {
          ...procedure,
          formFields: formFields.map((field) => ({ ...field, pattern: field.pattern ?? "" })),
        },
      });
    }),
  };
  return { definition: intake.ReferenceDataServiceService, implementation };
}

/**
 * The applicant's choice from its message form to the REST form the use case
 * checks: a channel per flag, and consent when the receiving system recorded
 * when it was given (an empty time is refused like REST's missing consent,
 * anything but an RFC 3339 time like REST's bad `consentedAt`).
 */
function preferencesInput(preferences: common.NotificationPreferences | undefined) {
  if (!preferences) return undefined;
  const flags = { email: preferences.email, sms: preferences.sms, zalo: preferences.zalo };
  return {
    channels: Object.entries(flags)
      .filter(([, chosen]) => chosen)
      .map(([channel]) => channel),
    consent: preferences.consentedAt !== "",
    consentedAt: preferences.consentedAt || undefined,
    language: preferences.language || undefined,
  };
}
