import { readFile } from "node:fs/promises";

/**
 * Noto Serif (SIL Open Font License 1.1, which allows embedding) from the npm
 * package @expo-google-fonts/noto-serif: full Vietnamese coverage, including
 * the precomposed vowels with two marks (ầ, ẫ, ộ, ự …), and no system fonts.
 */
export interface DocumentFonts {
  regular: Uint8Array;
  bold: Uint8Array;
  italic: Uint8Array;
}

const FONT_FILES = {
  regular: "@expo-google-fonts/noto-serif/400Regular/NotoSerif_400Regular.ttf",
  bold: "@expo-google-fonts/noto-serif/700Bold/NotoSerif_700Bold.ttf",
  italic: "@expo-google-fonts/noto-serif/400Regular_Italic/NotoSerif_400Regular_Italic.ttf",
} as const;

let loading: Promise<DocumentFonts> | undefined;

/** Read once per process; every document embeds its own subset. */
export function loadDocumentFonts(): Promise<DocumentFonts> {
  loading ??= (async () => {
    const [regular, bold, italic] = await Promise.all([
      readFile(require.resolve(FONT_FILES.regular)),
      readFile(require.resolve(FONT_FILES.bold)),
      readFile(require.resolve(FONT_FILES.italic)),
    ]);
    return { regular, bold, italic };
  })();
  // A failed read must not be cached for the life of the process.
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}
