"""An independent commune system calling intake over gRPC.

Uses Debian's grpcio and message classes that protoc generated from proto/
(and Google's google/rpc protos) at test time, so nothing of our TypeScript
stack is involved on this side. Run with /usr/bin/python3:

    intake_peer.py --target 127.0.0.1:PORT --generated DIR --citizen-id ID

Prints one JSON document with what it saw; the jest test judges it.
"""

import argparse
import json
import sys

import grpc

SERVICE = "/gov.lienthong.intake.v1.IntakeService/"
REFERENCE_SERVICE = "/gov.lienthong.intake.v1.ReferenceDataService/"
# Every call carries a deadline, as our own clients do (ARCHITECTURE.md section 5).
DEADLINE_SECONDS = 10.0
STATUS_DETAILS_KEY = "grpc-status-details-bin"


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--generated", required=True, help="directory of the protoc --python_out output")
    parser.add_argument("--procedure-code", required=True)
    parser.add_argument("--receiving-unit-code", required=True)
    parser.add_argument("--full-name", required=True)
    parser.add_argument("--citizen-id", required=True)
    parser.add_argument("--phone", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--form-fields", required=True, help="JSON object of the procedure's form fields")
    return parser.parse_args()


def load_generated(directory):
    sys.path.insert(0, directory)
    # Debian's google/ is a namespace package, so google.rpc from the generated
    # directory sits next to the system google.protobuf.
    import google

    google.__path__.append(directory + "/google")
    from gov.lienthong.intake.v1 import intake_service_pb2
    from gov.lienthong.common.v1 import common_pb2
    from google.rpc import error_details_pb2, status_pb2

    return intake_service_pb2, common_pb2, status_pb2, error_details_pb2


def method(channel, name, request_class, response_class, service=SERVICE):
    return channel.unary_unary(
        service + name,
        request_serializer=request_class.SerializeToString,
        response_deserializer=response_class.FromString,
    )


def application_summary(application):
    return {
        "dossierId": application.dossier_id,
        "dossierCode": application.dossier_code,
        "status": application.status,
        "procedureCode": application.procedure_code,
        "receivingUnitCode": application.receiving_unit_code,
        "channel": application.channel,
        "submittedAt": application.submitted_at.ToJsonString() if application.HasField("submitted_at") else None,
    }


def rejection_summary(error, status_pb2, error_details_pb2):
    summary = {"code": error.code().name, "details": error.details(), "statusDetails": None}
    for key, value in error.trailing_metadata() or ():
        if key != STATUS_DETAILS_KEY:
            continue
        status = status_pb2.Status.FromString(value)
        violations = []
        reasons = []
        for detail in status.details:
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad_request = error_details_pb2.BadRequest()
                detail.Unpack(bad_request)
                violations += [{"field": v.field, "description": v.description} for v in bad_request.field_violations]
            elif detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                detail.Unpack(info)
                reasons.append({"reason": info.reason, "domain": info.domain})
        summary["statusDetails"] = {
            "code": status.code,
            "message": status.message,
            "fieldViolations": violations,
            "errorInfo": reasons,
            # The raw trailer, so the test can check it carries no personal data.
            "rawHex": value.hex(),
        }
    return summary


def main():
    args = parse_args()
    intake_pb2, common_pb2, status_pb2, error_details_pb2 = load_generated(args.generated)
    result = {}
    with grpc.insecure_channel(args.target) as channel:
        submit = method(channel, "SubmitApplication", intake_pb2.SubmitApplicationRequest, intake_pb2.SubmitApplicationResponse)
        get = method(channel, "GetApplication", intake_pb2.GetApplicationRequest, intake_pb2.GetApplicationResponse)
        metadata = (("x-api-key", args.api_key),)

        request = intake_pb2.SubmitApplicationRequest(
            procedure_code=args.procedure_code,
            receiving_unit_code=args.receiving_unit_code,
            applicant=common_pb2.Applicant(full_name=args.full_name, citizen_id=args.citizen_id, phone=args.phone),
            channel=common_pb2.CHANNEL_COUNTER,
            form_fields=json.loads(args.form_fields),
        )
        submitted = submit(request, timeout=DEADLINE_SECONDS, metadata=metadata)
        result["submitted"] = application_summary(submitted.application)

        fetched = get(
            intake_pb2.GetApplicationRequest(dossier_ref=submitted.application.dossier_code),
            timeout=DEADLINE_SECONDS,
            metadata=metadata,
        )
        result["fetched"] = application_summary(fetched.application)

        # Public tracking: no API key, the last four digits of the phone as second factor.
        lookup = method(channel, "LookupStatus", intake_pb2.LookupStatusRequest, intake_pb2.LookupStatusResponse)
        status = lookup(
            intake_pb2.LookupStatusRequest(dossier_code=submitted.application.dossier_code, second_factor=args.phone[-4:]),
            timeout=DEADLINE_SECONDS,
        )
        result["lookup"] = {"dossierCode": status.dossier_code, "status": status.status, "statusLabel": status.status_label, "procedureName": status.procedure_name}

        get_unit = method(channel, "GetUnit", intake_pb2.GetUnitRequest, intake_pb2.GetUnitResponse, REFERENCE_SERVICE)
        unit = get_unit(intake_pb2.GetUnitRequest(code=args.receiving_unit_code), timeout=DEADLINE_SECONDS).unit
        result["unit"] = {"code": unit.code, "fullName": unit.full_name, "kind": unit.kind, "provinceCode": unit.province_code}

        invalid = intake_pb2.SubmitApplicationRequest()
        invalid.CopyFrom(request)
        invalid.applicant.citizen_id = args.citizen_id[:-1]
        invalid.procedure_code = ""
        try:
            rejected = submit(invalid, timeout=DEADLINE_SECONDS, metadata=metadata)
            result["invalid"] = {"code": "OK", "accepted": application_summary(rejected.application)}
        except grpc.RpcError as error:
            result["invalid"] = rejection_summary(error, status_pb2, error_details_pb2)

    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
