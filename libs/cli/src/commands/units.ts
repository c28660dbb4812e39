/**
 * `lienthong units resolve-old <oldCode>`: where an address written with a
 * pre-1 July 2025 commune code belongs now, from the installed mapping.
 */
import { type Command } from "commander";
import { loadReferenceData, referenceDirectory, type MergeTarget } from "@lienthong/domain";

interface ResolveOptions {
  dataDir: string;
  json?: boolean;
}

const OLD_CODE = /^\d{3,5}$/;
const EXIT_INVALID = 2;

function resolveOld(oldCode: string, options: ResolveOptions): void {
  if (!OLD_CODE.test(oldCode)) {
    process.stderr.write(`lienthong: old commune code "${oldCode}" must be 3 to 5 digits\n`);
    process.exitCode = EXIT_INVALID;
    return;
  }
  const reference = loadReferenceData({ dataDir: options.dataDir });
  if (!reference.merges) {
    throw new Error(
      `no unit merges installed in ${referenceDirectory(options.dataDir)}: run lienthong import unit-merges <file> first`,
    );
  }
  const resolution = reference.merges.resolveOldCommuneCode(oldCode);
  const describe = (target: MergeTarget) => {
    const province = reference.units.province(target.provinceCode);
    return { ...target, provinceName: province?.name ?? null };
  };
  if (options.json) {
    const answer =
      resolution.kind === "unique"
        ? { oldCode, kind: resolution.kind, commune: describe(resolution.commune) }
        : resolution.kind === "ambiguous"
          ? { oldCode, kind: resolution.kind, candidates: resolution.candidates.map(describe) }
          : { oldCode, kind: resolution.kind };
    process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
    return;
  }
  const line = (target: MergeTarget) => {
    const { provinceName } = describe(target);
    return `${target.code} ${target.fullName} (province ${target.provinceCode}${provinceName ? ` ${provinceName}` : ""})`;
  };
  const text =
    resolution.kind === "unique"
      ? `old commune ${oldCode} → ${line(resolution.commune)}: merged wholly into it (unique)`
      : resolution.kind === "ambiguous"
        ? [
            `old commune ${oldCode} is ambiguous: it was split, its addresses may now be in any of`,
            ...resolution.candidates.map((c) => `  ${line(c)}`),
            "The code alone cannot tell which: the street address decides.",
          ].join("\n")
        : `old commune ${oldCode} is unknown to the installed merges`;
  process.stdout.write(`${text}\n`);
}

export function registerUnitsCommands(program: Command): void {
  const units = program.command("units").description("look up administrative units from the installed reference data");
  units
    .command("resolve-old")
    .description(
      "the new commune an old (pre-1 July 2025) commune code belongs to, or the candidates when it was split",
    )
    .argument("<oldCode>", "the old commune code, e.g. 00004")
    .option(
      "--data-dir <dir>",
      "the platform's data directory (reads <dir>/reference/)",
      process.env.DATA_DIR ?? "var/data",
    )
    .option("--json", "print one JSON object")
    .action((oldCode: string, options: ResolveOptions) => resolveOld(oldCode, options));
}
