/**
 * The public development identities of embedded mode: commune systems with
 * API keys printed here, and sample officials the development token issuer
 * signs for (`lienthong dev token <official>`). They make `npm start` and
 * the demo work from a fresh clone; production refuses every one of them.
 */
import type { Role } from "@lienthong/domain";

export interface DevelopmentClient {
  clientId: string;
  key: string;
  /** Units it acts for; "*" stands for every commune of the loaded units list (the portal). */
  unitCodes: readonly string[] | "*";
}

export const DEVELOPMENT_CLIENTS = {
  /** Mường Lát commune centre (Thanh Hoá). */
  muongLat: {
    clientId: "muong-lat-commune-system",
    key: "ltk.devmuonglat.public-development-key-muong-lat-commune",
    unitCodes: ["14845"],
  },
  /** Tam Chung commune centre (Thanh Hoá). */
  tamChung: {
    clientId: "tam-chung-commune-system",
    key: "ltk.devtamchung.public-development-key-tam-chung-commune",
    unitCodes: ["14848"],
  },
  /** Thanh Hoá provincial police (competent for criminal-record certificates). */
  thanhHoaPolice: {
    clientId: "thanh-hoa-provincial-police",
    key: "ltk.devthanhhoapolice.public-development-key-thanh-hoa-police",
    unitCodes: ["38.CA"],
  },
  /** The provincial portal: receives at every commune of the loaded units list. */
  portal: { clientId: "portal", key: "ltk.devportal.public-development-key-provincial-portal", unitCodes: "*" },
} as const satisfies Record<string, DevelopmentClient>;

export interface DevelopmentOfficial {
  subject: string;
  name: string;
  unitCodes: readonly string[];
  roles: readonly Role[];
}

/** Sample officials of the sample units; the local test PKI holds a certificate for each leader. */
export const DEVELOPMENT_OFFICIALS = {
  receivingOfficerMuongLat: {
    subject: "tiep-nhan-muong-lat",
    name: "Cán bộ tiếp nhận xã Mường Lát",
    unitCodes: ["14845"],
    roles: ["receiving_officer", "result_clerk"],
  },
  processingOfficialMuongLat: {
    subject: "chuyen-vien-muong-lat",
    name: "Chuyên viên xử lý xã Mường Lát",
    unitCodes: ["14845"],
    roles: ["processing_official"],
  },
  leaderMuongLat: {
    subject: "chu-tich-muong-lat",
    name: "Chủ tịch Ủy ban nhân dân xã Mường Lát",
    unitCodes: ["14845"],
    roles: ["leader", "document_signer"],
  },
  receivingOfficerTamChung: {
    subject: "tiep-nhan-tam-chung",
    name: "Cán bộ tiếp nhận xã Tam Chung",
    unitCodes: ["14848"],
    roles: ["receiving_officer", "result_clerk"],
  },
  leaderTamChung: {
    subject: "chu-tich-tam-chung",
    name: "Chủ tịch Ủy ban nhân dân xã Tam Chung",
    unitCodes: ["14848"],
    roles: ["leader", "processing_official"],
  },
  /** Hạc Thành ward centre: receives dossiers for provincial agencies too (boundary-free intake). */
  receivingOfficerHacThanh: {
    subject: "tiep-nhan-hac-thanh",
    name: "Cán bộ tiếp nhận phường Hạc Thành",
    unitCodes: ["14797"],
    roles: ["receiving_officer", "result_clerk"],
  },
  leaderThanhHoaPolice: {
    subject: "truong-phong-ca-thanh-hoa",
    name: "Trưởng phòng, Công an tỉnh Thanh Hoá",
    unitCodes: ["38.CA"],
    roles: ["leader", "processing_official", "receiving_officer", "result_clerk"],
  },
  operator: { subject: "van-hanh-tinh", name: "Cán bộ vận hành hệ thống tỉnh", unitCodes: ["38"], roles: ["operator"] },
  auditor: { subject: "thanh-tra-tinh", name: "Thanh tra tỉnh", unitCodes: ["38"], roles: ["auditor"] },
} as const satisfies Record<string, DevelopmentOfficial>;
