import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import ts from "typescript";
import { readYaml, repoRoot } from "./compose-file";

/**
 * The Grafana dashboards of infra/grafana, checked against Grafana's own
 * schema: @grafana/schema's types, generated from the CUE schema Grafana
 * validates dashboards with. Each dashboard is compiled as a literal of type
 * Dashboard whose panels are typed by their plugin's options (stat, time
 * series, bar gauge, table, row), so a misspelt field, a wrong value type or
 * a missing required option fails. The provisioning files must point at them.
 */

const DASHBOARDS_DIR = path.join(repoRoot, "infra/grafana/dashboards");
const SCHEMA = path.join(repoRoot, "node_modules/@grafana/schema/dist/types");
const PANEL_OPTIONS = { stat: "stat", timeseries: "timeseries", bargauge: "bargauge", table: "table" } as const;

const dashboardFiles = fs.readdirSync(DASHBOARDS_DIR).filter((name) => name.endsWith(".json"));

interface DashboardJson {
  uid: string;
  title: string;
  panels: { id: number; type: string; title?: string; targets?: { expr?: string; refId: string }[] }[];
}

/** TypeScript's diagnostics for `dashboard` as a literal of Grafana's Dashboard type. */
function schemaErrors(name: string, dashboard: string): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lienthong-grafana-"));
  try {
    const file = path.join(dir, `${name}.ts`);
    const options = Object.entries(PANEL_OPTIONS).map(
      ([type, folder]) =>
        `import type { Options as ${type}Options } from "${SCHEMA}/raw/composable/${folder}/panelcfg/x/types.gen";`,
    );
    const typed = Object.keys(PANEL_OPTIONS).map((type) => `Typed<"${type}", ${type}Options>`);
    fs.writeFileSync(
      file,
      [
        `import type { Dashboard, Panel, RowPanel } from "${SCHEMA}/index";`,
        ...options,
        `type Typed<T extends string, O> = Omit<Panel, "type" | "options"> & { type: T; options: O };`,
        `type AnyPanel = ${typed.join(" | ")} | RowPanel;`,
        // JSON spells a string enum's member by its value: each enum type becomes the union of its values.
        "type AsJson<T> = T extends string ? `${T}` : T extends readonly (infer U)[] ? AsJson<U>[]",
        "  : T extends object ? { [K in keyof T]: AsJson<T[K]> } : T;",
        `export const dashboard: AsJson<Omit<Dashboard, "panels"> & { panels: AnyPanel[] }> = ${dashboard};`,
      ].join("\n"),
    );
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.Node16,
      moduleResolution: ts.ModuleResolutionKind.Node16,
      types: [],
    });
    return ts
      .getPreEmitDiagnostics(program)
      .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("Grafana dashboards", () => {
  it("are the province overview and the pipeline", () => {
    expect(dashboardFiles.sort()).toEqual(["pipeline.json", "province-overview.json"]);
  });

  it.each(dashboardFiles)(
    "%s follows Grafana's dashboard schema",
    (file) => {
      const text = fs.readFileSync(path.join(DASHBOARDS_DIR, file), "utf8");
      expect(schemaErrors(path.basename(file, ".json"), text)).toEqual([]);
    },
    60_000,
  );

  it("are checked: a misspelt field or a panel without its options is refused", () => {
    const dashboard = JSON.parse(fs.readFileSync(path.join(DASHBOARDS_DIR, dashboardFiles[0]!), "utf8")) as {
      panels: Record<string, unknown>[];
    };
    const misspelt = { ...dashboard, panels: [{ ...dashboard.panels[1], gridpos: { h: 1, w: 1, x: 0, y: 0 } }] };
    expect(schemaErrors("misspelt", JSON.stringify(misspelt)).join("\n")).toContain("gridpos");
    const bare = { ...dashboard, panels: [{ ...dashboard.panels[1], options: {} }] };
    expect(schemaErrors("bare", JSON.stringify(bare))).not.toEqual([]);
  }, 60_000);

  it.each(dashboardFiles)("%s: unique uid and panel ids, every query with an expression", (file) => {
    const dashboard = JSON.parse(fs.readFileSync(path.join(DASHBOARDS_DIR, file), "utf8")) as DashboardJson;
    expect(dashboard.uid).toMatch(/^lienthong-/);
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    const queries = dashboard.panels.flatMap((panel) => panel.targets ?? []);
    expect(queries.length).toBeGreaterThan(5);
    for (const query of queries) expect(query.expr).toMatch(/\w/);
  });

  it("are provisioned from the folder compose mounts", () => {
    const provider = readYaml<{ providers: { options: { path: string } }[] }>(
      "infra/grafana/provisioning/dashboards/lienthong.yml",
    );
    const compose = readYaml<{ services: Record<string, { volumes?: string[] }> }>("docker-compose.yml");
    const mounts = compose.services.grafana?.volumes ?? [];
    expect(mounts).toContain(`./infra/grafana/dashboards:${provider.providers[0]!.options.path}:ro`);
    expect(mounts).toContain("./infra/grafana/provisioning:/etc/grafana/provisioning:ro");
  });
});
