import Table from "cli-table3";

/**
 * Counts what a set of dossiers should have produced against what was
 * observed, by category (statuses on the timeline, events on the topics,
 * webhooks, mails…): per dossier, each expected item is identified by a key
 * ("webhook for accepted") and each observation carries the id the receiver
 * deduplicates on (event id, webhook id, Message-ID).
 *
 * - lost: an expected key observed under fewer distinct ids than expected;
 * - duplicated: under more distinct ids than expected — a receiver that
 *   deduplicates by id would still act twice;
 * - unexpected: an observation matching no expected or allowed key of its
 *   dossier (or no dossier at all); an allowed key (`allow`, for what the
 *   calendar decides) may be seen or not, but not under more distinct ids
 *   than allowed;
 * - raw repeats: the same id observed again, which at-least-once transport
 *   allows and a receiver absorbs by id (a mail client by Message-ID, a
 *   commune system by webhook-id, a consumer's inbox by event id): a
 *   figure, not a failure — except in a category whose observer is the
 *   platform's own deduplicated view (the applicant's timeline), where
 *   each repeat is shown to people and so counts as duplicated.
 */
export interface LedgerRow {
  category: string;
  expected: number;
  /** Distinct ids that matched an expected key, up to what was expected. */
  matched: number;
  /** Distinct ids of allowed (optional) keys, up to what was allowed. */
  optional: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  rawRepeats: number;
}

export interface LedgerReport {
  rows: LedgerRow[];
  /** One line per dossier and finding: "14845-261205-0007 webhooks: lost webhook for …". */
  findings: string[];
  /** lost + duplicated + unexpected over every category. */
  faults: number;
}

interface Expectation {
  count: number;
  /** Allowed, not required: up to `count` distinct ids (an event the calendar decides on, like a deadline warning). */
  optional: boolean;
  /** Distinct ids observed for the key, each with how often it was seen. */
  ids: Map<string, number>;
}

const UNKNOWN_DOSSIER = "(no known dossier)";

/** A category of observations, and what a repeated id means in it. */
export interface LedgerCategory {
  name: string;
  /** "absorbed": a receiver deduplicates by id (a figure); "duplicated": the view should have, so each is a fault. */
  repeats: "absorbed" | "duplicated";
}

export class DeliveryLedger {
  /** category → dossier → key → expectation */
  private readonly expectations = new Map<string, Map<string, Map<string, Expectation>>>();
  /** category → dossier → descriptions of what matched nothing, by id (an id seen twice is one finding) */
  private readonly strays = new Map<string, Map<string, Map<string, number>>>();

  constructor(
    readonly categories: readonly LedgerCategory[],
    /** How a dossier is named in findings (its code), by the id observations carry. */
    private readonly nameOf: (dossierId: string) => string,
  ) {
    for (const { name } of categories) {
      this.expectations.set(name, new Map());
      this.strays.set(name, new Map());
    }
  }

  expect(category: string, dossierId: string, key: string, count = 1): void {
    this.add(category, dossierId, key, count, false);
  }

  /** Something the dossier may show or not, at most `atMost` times under distinct ids; more is duplicated. */
  allow(category: string, dossierId: string, key: string, atMost = 1): void {
    this.add(category, dossierId, key, atMost, true);
  }

  /** An observation of `id` for `key`; one for a key the dossier does not expect (or an unknown dossier) is a stray. */
  observe(category: string, dossierId: string | undefined, key: string, id: string): void {
    const expectation =
      dossierId === undefined ? undefined : this.category(this.expectations, category).get(dossierId)?.get(key);
    if (expectation) {
      expectation.ids.set(id, (expectation.ids.get(id) ?? 0) + 1);
      return;
    }
    this.stray(category, dossierId, `${key} (${id})`);
  }

  /** Something that should not have happened at all (a dead letter, a failed delivery, a bad signature). */
  stray(category: string, dossierId: string | undefined, description: string): void {
    const byDossier = getOrSet(this.category(this.strays, category), dossierId ?? UNKNOWN_DOSSIER, () => new Map());
    byDossier.set(description, (byDossier.get(description) ?? 0) + 1);
  }

  report(): LedgerReport {
    const findings: string[] = [];
    const rows = this.categories.map(({ name: category, repeats }): LedgerRow => {
      const row: LedgerRow = {
        category,
        expected: 0,
        matched: 0,
        optional: 0,
        lost: 0,
        duplicated: 0,
        unexpected: 0,
        rawRepeats: 0,
      };
      for (const [dossierId, byKey] of this.category(this.expectations, category)) {
        for (const [key, { count, optional, ids }] of byKey) {
          const distinct = ids.size;
          if (optional) {
            row.optional += Math.min(distinct, count);
          } else {
            row.expected += count;
            row.matched += Math.min(distinct, count);
          }
          for (const [id, seen] of ids) {
            row.rawRepeats += seen - 1;
            if (repeats === "duplicated" && seen > 1) {
              row.duplicated += seen - 1;
              findings.push(`${this.nameOf(dossierId)} ${category}: ${key} (${id}) shown ${seen} times`);
            }
          }
          if (distinct < count && !optional) {
            row.lost += count - distinct;
            findings.push(`${this.nameOf(dossierId)} ${category}: lost ${key} (${distinct} of ${count})`);
          } else if (distinct > count) {
            row.duplicated += distinct - count;
            findings.push(
              `${this.nameOf(dossierId)} ${category}: duplicated ${key} (${distinct} distinct ids for ${count}: ${[...ids.keys()].join(", ")})`,
            );
          }
        }
      }
      for (const [dossierId, descriptions] of this.category(this.strays, category)) {
        for (const [description, seen] of descriptions) {
          row.unexpected += 1;
          row.rawRepeats += seen - 1;
          const name = dossierId === UNKNOWN_DOSSIER ? dossierId : this.nameOf(dossierId);
          findings.push(`${name} ${category}: unexpected ${description}`);
        }
      }
      return row;
    });
    const faults = rows.reduce((sum, row) => sum + row.lost + row.duplicated + row.unexpected, 0);
    return { rows, findings, faults };
  }

  private add(category: string, dossierId: string, key: string, count: number, optional: boolean): void {
    const byKey = getOrSet(this.category(this.expectations, category), dossierId, () => new Map());
    const existing = byKey.get(key);
    if (existing && existing.optional !== optional) throw new Error(`${key} is both expected and optional`);
    if (existing) existing.count += count;
    else byKey.set(key, { count, optional, ids: new Map() });
  }

  private category<T>(map: Map<string, T>, category: string): T {
    const found = map.get(category);
    if (found === undefined) throw new Error(`"${category}" is not a category of this ledger`);
    return found;
  }
}

/** The report's figures as a table for the test output. */
export function formatLedger(report: LedgerReport): string {
  const table = new Table({
    head: ["", "expected", "received", "lost", "duplicated", "unexpected", "raw repeats", "optional seen"],
    style: { head: [], border: [] },
  });
  for (const row of report.rows) {
    table.push([
      row.category,
      row.expected,
      row.matched,
      row.lost,
      row.duplicated,
      row.unexpected,
      row.rawRepeats,
      row.optional,
    ]);
  }
  return table.toString();
}

function getOrSet<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}
