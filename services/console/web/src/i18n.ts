import i18next from "i18next";
import { initReactI18next } from "react-i18next";
import { en } from "./locales/en";
import { vi } from "./locales/vi";

export const LANGUAGES = ["vi", "en"] as const;
export type Language = (typeof LANGUAGES)[number];
const STORAGE_KEY = "lienthong.console.language";

// Typed keys: t("health.title") compiles, a misspelt key does not.
declare module "i18next" {
  interface CustomTypeOptions {
    defaultNS: "console";
    resources: { console: typeof vi };
  }
}

function storedLanguage(): Language {
  const stored = localStorage.getItem(STORAGE_KEY);
  return stored === "en" ? "en" : "vi";
}

/** Vietnamese first; the choice is remembered on this browser. */
export async function startI18n(): Promise<void> {
  await i18next.use(initReactI18next).init({
    resources: { vi: { console: vi }, en: { console: en } },
    lng: storedLanguage(),
    fallbackLng: "vi",
    defaultNS: "console",
    ns: ["console"],
    // React escapes what it renders.
    interpolation: { escapeValue: false },
  });
  document.documentElement.lang = i18next.language;
}

export async function changeLanguage(language: Language): Promise<void> {
  localStorage.setItem(STORAGE_KEY, language);
  await i18next.changeLanguage(language);
  document.documentElement.lang = language;
}
