import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

/** The metric names the alert rules and the Grafana dashboards of infra/ query. */

const INFRA = path.resolve(__dirname, "../../../../infra");

/** PromQL's words that are not metric names: operators, modifiers, aggregations' clauses. */
const KEYWORDS = new Set([
  "and",
  "or",
  "unless",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "offset",
  "bool",
  "inf",
  "nan",
]);

/**
 * The metric families an expression reads: every identifier that is not a
 * function call, a keyword, a label (inside braces or a by/without/on list),
 * a string or a range; a histogram's _bucket/_sum/_count series name its family.
 */
export function metricNamesOf(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, " ")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = [...bare.matchAll(/(?<![\w$.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:]|\s*\()/g)]
    .map((match) => match[1]!)
    .filter((name) => !KEYWORDS.has(name.toLowerCase()));
  return [...new Set(names.map((name) => name.replace(/_(bucket|sum|count)$/, "")))];
}

export function metricNamesOfRules(): string[] {
  const dir = path.join(INFRA, "prometheus/rules");
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith(".rules.yml"))
    .flatMap((file) => {
      const rules = parse(fs.readFileSync(path.join(dir, file), "utf8")) as { groups: { rules: { expr: string }[] }[] };
      return rules.groups.flatMap((group) => group.rules.flatMap((rule) => metricNamesOf(rule.expr)));
    });
}

export function metricNamesOfDashboards(): string[] {
  const dir = path.join(INFRA, "grafana/dashboards");
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith(".json"))
    .flatMap((file) => {
      const dashboard = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as {
        panels: { targets?: { expr?: string }[] }[];
        templating?: { list: { query?: string | { query?: string } }[] };
      };
      const exprs = [
        ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr ?? "")),
        // label_values(metric, label): the metric is the first argument.
        ...(dashboard.templating?.list ?? []).flatMap((variable) => {
          const query = typeof variable.query === "string" ? variable.query : (variable.query?.query ?? "");
          const metric = /^label_values\(\s*([a-zA-Z_:][\w:]*)/.exec(query)?.[1];
          return metric ? [metric] : [];
        }),
      ];
      return exprs.flatMap(metricNamesOf);
    });
}
