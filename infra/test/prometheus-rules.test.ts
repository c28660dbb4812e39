import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { readYaml, repoRoot } from "./compose-file";

/**
 * The alert rules as Prometheus reads them: `promtool check rules`, `promtool
 * check config` and the rules' unit tests (`promtool test rules`), which must
 * cover every alert and fail when a rule stops firing. promtool comes with
 * Debian's `prometheus` package, which .ci/run installs: under CI=true its
 * absence fails; elsewhere the tests say they did not run.
 */

const PROMETHEUS_DIR = path.join(repoRoot, "infra/prometheus");
const RULES = "rules/lienthong.rules.yml";
const RULE_TESTS = "rules/lienthong.rules.test.yml";
const MISSING_IN_CI = "promtool is required when CI=true (alert rules are checked with it): apt-get install prometheus";

interface RuleFile {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[];
}
interface RuleTests {
  rule_files: string[];
  tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
}

function promtool(args: string[], cwd = PROMETHEUS_DIR) {
  const run = spawnSync("promtool", args, { cwd, encoding: "utf8", timeout: 60_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

const available = spawnSync("promtool", ["--version"], { encoding: "utf8" }).status === 0;

if (!available && process.env.CI === "true") {
  test("promtool checks the alert rules", () => {
    throw new Error(MISSING_IN_CI);
  });
} else if (!available) {
  test.todo("promtool checks the alert rules — not run: promtool is not installed (apt-get install prometheus)");
} else {
  describe("Prometheus alert rules", () => {
    const rules = readYaml<RuleFile>(path.join("infra/prometheus", RULES));
    const alerts = rules.groups.flatMap((group) => group.rules.flatMap((rule) => (rule.alert ? [rule.alert] : [])));

    it("pass promtool check rules, and the configuration that loads them passes promtool check config", () => {
      const checked = promtool(["check", "rules", RULES]);
      expect(checked.output).toContain(`SUCCESS: ${alerts.length} rules found`);
      expect(checked.status).toBe(0);
      const config = promtool(["check", "config", "prometheus.yml"]);
      expect(config.output).toContain("SUCCESS: 1 rule files found");
      expect(config.status).toBe(0);
    });

    it("raise the alerts province IT needs", () => {
      expect(alerts.sort()).toEqual(
        [
          "ConsumerLagGrowing",
          "ConsumerLagUnreadable",
          "DeadLettersAppearing",
          "DeliveriesFailing",
          "OutboxStuck",
          "OverdueRising",
          "ServiceNotReady",
        ].sort(),
      );
    });

    it("pass their unit tests, which expect every alert to fire at least once", () => {
      const tests = readYaml<RuleTests>(path.join("infra/prometheus", RULE_TESTS));
      const fired = new Set(
        tests.tests.flatMap((unit) =>
          (unit.alert_rule_test ?? []).filter((check) => check.exp_alerts.length > 0).map((check) => check.alertname),
        ),
      );
      expect([...fired].sort()).toEqual([...alerts].sort());
      const run = promtool(["test", "rules", RULE_TESTS]);
      expect(run.output).toContain("SUCCESS");
      expect(run.status).toBe(0);
    });

    it("have unit tests that fail when the rules never fire", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lienthong-rules-"));
      try {
        const silenced: RuleFile = {
          groups: rules.groups.map((group) => ({
            ...group,
            rules: group.rules.map((rule) => ({ ...rule, expr: "vector(1) == 2" })),
          })),
        };
        fs.writeFileSync(path.join(dir, "lienthong.rules.yml"), stringify(silenced));
        fs.copyFileSync(path.join(PROMETHEUS_DIR, RULE_TESTS), path.join(dir, "lienthong.rules.test.yml"));
        const run = promtool(["test", "rules", "lienthong.rules.test.yml"], dir);
        expect(run.status).not.toBe(0);
        for (const alert of alerts) expect(run.output).toContain(`alertname: ${alert}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
