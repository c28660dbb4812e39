/**
 * A file region that `lienthong platform sync` owns: everything between a
 * begin and an end marker line is replaced, the rest of the file is left as
 * written by people.
 */
export interface GeneratedSection {
  /** The file, relative to the repository root. */
  file: string;
  begin: string;
  end: string;
  /** The lines between the markers. */
  render(): string;
}

export function replaceSection(text: string, section: GeneratedSection): string {
  const lines = text.split("\n");
  const begin = lines.findIndex((line) => line.trim() === section.begin.trim());
  const end = lines.findIndex((line, index) => index > begin && line.trim() === section.end.trim());
  if (begin < 0 || end < 0) {
    throw new Error(
      `${section.file}: the generated section's markers are missing ("${section.begin.trim()}" … "${section.end.trim()}")`,
    );
  }
  const body = section.render().replace(/\n+$/, "");
  return [...lines.slice(0, begin + 1), ...(body ? body.split("\n") : []), ...lines.slice(end)].join("\n");
}
