import { createContext, useContext } from "react";

export interface StatusLabel {
  code: number;
  vi: string;
  en: string;
}

/** What the console's server says of itself (GET /console/settings). */
export interface Settings {
  services: string[];
  oidc: { authority: string; clientId: string; scope: string } | null;
  developmentSignIn: boolean;
  labels: {
    statuses: StatusLabel[];
    deliveryChannels: Record<string, string>;
    recipientKinds: Record<string, string>;
  };
}

export const SettingsContext = createContext<Settings | undefined>(undefined);

export function useSettings(): Settings {
  const settings = useContext(SettingsContext);
  if (!settings) throw new Error("useSettings outside the settings provider");
  return settings;
}
