import { readFileSync } from "node:fs";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { parseCatalog, parseCatalogCsv, sampleCatalog, vietnamDate } from "../src";

/**
 * docs/catalog: the JSON Schema and the templates an operator starts from.
 * The templates import, and what the import installs is valid against the
 * schema (a province's catalog: libs/cli/test/province-catalog.test.ts), so
 * the schema describes the files the services really read.
 */
const DOCS = path.resolve(__dirname, "../../../docs/catalog");
const read = (name: string): string => readFileSync(path.join(DOCS, name), "utf8");
const validate = new Ajv2020({ allErrors: true, strict: true, strictRequired: false }).compile(
  JSON.parse(read("catalog.schema.json")),
);
const errorsOf = (data: unknown): string[] =>
  validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ""}`);

describe("the catalog's format files", () => {
  const at = vietnamDate(2026, 1, 5);

  it("the JSON template is valid against the schema and imports, its declared kind with it", () => {
    const template = JSON.parse(read("catalog-template.json")) as unknown;
    expect(errorsOf(template)).toEqual([]);
    const catalog = parseCatalog(template);
    expect(catalog.get("2.001234", at)).toMatchObject({
      agencyKind: "foreign_affairs",
      processingTime: { value: 15, unit: "working_days" },
      online: { processingTime: { value: 10, unit: "working_days" }, fee: 0 },
      onlineService: "partial",
    });
    expect(catalog.get("1.001193", at).agencyKind).toBe("commune_people_committee");
  });

  it("the CSV template imports, with the portal's texts", () => {
    const catalog = parseCatalogCsv(read("catalog-template.csv"));
    expect(catalog.current(at).map((p) => p.code)).toEqual(["1.001193", "1.004446", "2.000488", "2.000815"]);
    // Not offered online, its agency and fee in the portal's short forms.
    expect(catalog.get("2.000815", at)).toMatchObject({
      agencyKind: "commune_people_committee",
      fee: 10_000,
      onlineService: "none",
    });
    expect(catalog.get("2.000488", at)).toMatchObject({
      agencyKind: "provincial_police",
      fee: 200_000,
      online: { fee: 100_000 },
      legalBasis: ["Luật Lý lịch tư pháp số 28/2009/QH12", "Thông tư số 244/2016/TT-BTC"],
    });
    expect(catalog.agencyKinds.added().map((kind) => kind.kind)).toEqual(["so_khoa_hoc_va_cong_nghe"]);
  });

  it("the built-in sample, as an import would install it, is valid against the schema", () => {
    expect(errorsOf({ procedures: sampleCatalog().all() })).toEqual([]);
  });

  it("the schema refuses a row that names no agency and a misspelt field", () => {
    const [row] = (JSON.parse(read("catalog-template.json")) as { procedures: Record<string, unknown>[] }).procedures;
    const { competentAgency: _agency, ...withoutAgency } = row!;
    expect(errorsOf({ procedures: [withoutAgency] })).toContain("/procedures/0 must match a schema in anyOf");
    expect(errorsOf({ procedures: [{ ...row, feeOnline: 0 }] })).toContain(
      "/procedures/0 must NOT have additional properties",
    );
  });
});
