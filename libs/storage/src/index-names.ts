import { createHash } from "node:crypto";

/**
 * A deterministic index name, so ensureCollections stays idempotent across
 * restarts. The field list alone is ambiguous once joined (["a_b"] and
 * ["a", "b"] both read "a_b"), hence the short digest of the exact list.
 */
export function indexName(kind: "ix" | "ux", scope: string, fields: readonly string[]): string {
  const digest = createHash("sha256")
    .update(JSON.stringify([kind, scope, fields]))
    .digest("hex")
    .slice(0, 8);
  return `${kind}_${scope}_${fields.join("_")}_${digest}`;
}
