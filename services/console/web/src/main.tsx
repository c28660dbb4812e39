import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { callConsole } from "./api";
import { completeProviderSignIn, loadSession, saveSession } from "./auth";
import { startI18n } from "./i18n";
import { SettingsContext, type Settings } from "./settings";
import "./styles.css";

async function start(): Promise<void> {
  await startI18n();
  const settings = await callConsole<Settings>("/settings");
  const returned = await completeProviderSignIn(settings);
  if (returned) saveSession(returned);
  createRoot(document.getElementById("root")!).render(
    <StrictMode>
      <SettingsContext.Provider value={settings}>
        <App initialSession={returned ?? loadSession()} />
      </SettingsContext.Provider>
    </StrictMode>,
  );
}

start().catch((error: unknown) => {
  document.getElementById("root")!.textContent = `LiênThông: ${error instanceof Error ? error.message : String(error)}`;
});
