// Synthetic applications for the k6 scripts (submit-applications.js, end-to-end.js).
//
// Every applicant is synthetic: generated names, 12-digit citizen IDs with
// random digits, phone numbers, and e-mail addresses under the reserved
// .test domain. No real personal data goes into a load test.

/** An online application for a procedure at a receiving unit, with that procedure's form filled in. */
export function syntheticApplication(procedureCode, receivingUnitCode) {
  const applicant = syntheticApplicant();
  return {
    procedureCode,
    receivingUnitCode,
    channel: "online",
    applicant,
    formFields: formFieldsFor(procedureCode, applicant),
  };
}

// Intake checks each procedure's form; these are the fields of the two procedures the scripts use by default.
function formFieldsFor(procedureCode, applicant) {
  const common = {
    applicantFullName: applicant.fullName,
    applicantCitizenId: applicant.citizenId,
    applicantPhone: applicant.phone,
  };
  if (procedureCode === "1.000894") {
    const spouse = syntheticApplicant();
    return {
      ...common,
      husbandFullName: spouse.fullName,
      husbandCitizenId: spouse.citizenId,
      wifeFullName: applicant.fullName,
      wifeCitizenId: applicant.citizenId,
    };
  }
  if (procedureCode === "2.000884") return { ...common, documentTitle: "Giấy ủy quyền" };
  return common;
}

const FAMILY_NAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"];
const MIDDLE_NAMES = ["Văn", "Thị", "Hữu", "Minh", "Thanh", "Ngọc", "Đức", "Quang"];
const GIVEN_NAMES = [
  "An",
  "Bình",
  "Chi",
  "Dũng",
  "Giang",
  "Hà",
  "Hải",
  "Lan",
  "Long",
  "Mai",
  "Nam",
  "Phúc",
  "Quỳnh",
  "Sơn",
  "Trang",
  "Vy",
];
const MOBILE_PREFIXES = ["032", "038", "070", "077", "081", "086", "090", "091", "096", "098"];

function syntheticApplicant() {
  const sequence = Math.floor(Math.random() * 1e9).toString(36);
  return {
    fullName: `${pick(FAMILY_NAMES)} ${pick(MIDDLE_NAMES)} ${pick(GIVEN_NAMES)}`,
    citizenId: syntheticCitizenId(),
    phone: `${pick(MOBILE_PREFIXES)}${digits(7)}`,
    email: `applicant.${sequence}@loadtest.test`,
  };
}

// 12 digits shaped like a CCCD (birth province, century+sex, birth year,
// random part) but drawn at random: not anyone's number.
function syntheticCitizenId() {
  const birthProvince = pick(["001", "031", "038", "048", "079", "092"]);
  const centuryAndSex = pick(["0", "1", "2", "3"]);
  return `${birthProvince}${centuryAndSex}${digits(2)}${digits(6)}`;
}

function digits(count) {
  let out = "";
  for (let i = 0; i < count; i += 1) out += Math.floor(Math.random() * 10);
  return out;
}

export function pick(values) {
  return values[Math.floor(Math.random() * values.length)];
}

/** A comma list from the environment, or `fallback` when the variable is unset. */
export function list(value, fallback) {
  if (!value) return fallback;
  const items = value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0) throw new Error(`expected a comma-separated list, got "${value}"`);
  return items;
}

export function uuidV4() {
  const hex = [];
  for (let i = 0; i < 32; i += 1) hex.push(Math.floor(Math.random() * 16).toString(16));
  hex[12] = "4";
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const s = hex.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}
