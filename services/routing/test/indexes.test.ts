import { assignments } from "../src/store/collections";

/**
 * The indicators count open dossiers by one filter each (get-indicators.ts): every filter's equalities, then its
 * range, must be an index's leading fields, or a count reads every dossier of the unit.
 */
describe("routing: the indicators' counts are indexed", () => {
  const covered = (equalities: string[], range: string) =>
    assignments.indexes.some((index) => {
      const fields = index as readonly string[];
      const leading = new Set(fields.slice(0, equalities.length));
      return equalities.every((field) => leading.has(field)) && fields[equalities.length] === range;
    });

  it.each(["competentCommuneCode", "competentProvinceCode"])("open dossiers decided by %s", (unit) => {
    expect(covered([unit, "status", "overdue"], "acceptedAt")).toBe(true);
    // Overdue without an apology (decision 59).
    expect(covered([unit, "status", "overdue", "apologies"], "acceptedAt")).toBe(true);
  });
});
