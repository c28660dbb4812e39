import { UserManager, WebStorageStateStore } from "oidc-client-ts";
import { createContext, useContext } from "react";
import type { Settings } from "./settings";

/** Who is signed in: the bearer token every call carries, and what the page shows of it. */
export interface Session {
  token: string;
  name: string;
  /** Read from the token for display only: the services verify it and decide. */
  roles: string[];
  units: string[];
  method: "provider" | "development" | "token";
}

const STORAGE_KEY = "lienthong.console.session";

/** The session lives as long as the browser tab: nothing is kept once it closes. */
export function loadSession(): Session | undefined {
  const stored = sessionStorage.getItem(STORAGE_KEY);
  return stored ? (JSON.parse(stored) as Session) : undefined;
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

/** The claims of a JWT, unverified (display only); an opaque token has none. */
function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split(".")[1];
  if (!payload) return {};
  try {
    const text = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = Uint8Array.from(text, (char) => char.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    return {};
  }
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];

export function sessionFromToken(token: string, method: Session["method"], name?: string): Session {
  const claims = claimsOf(token);
  return {
    token,
    method,
    name: name ?? (typeof claims.name === "string" ? claims.name : typeof claims.sub === "string" ? claims.sub : "?"),
    roles: strings(claims.roles),
    units: strings(claims.lienthong_units),
  };
}

/** The province's identity provider: authorization code with PKCE, the console a public client. */
export function identityProvider(oidc: NonNullable<Settings["oidc"]>): UserManager {
  return new UserManager({
    authority: oidc.authority,
    client_id: oidc.clientId,
    scope: oidc.scope,
    redirect_uri: `${window.location.origin}/`,
    post_logout_redirect_uri: `${window.location.origin}/`,
    response_type: "code",
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
  });
}

/** Completes a return from the identity provider (`?code=…&state=…`), if this page load is one. */
export async function completeProviderSignIn(settings: Settings): Promise<Session | undefined> {
  const query = new URLSearchParams(window.location.search);
  if (!settings.oidc || !query.has("code") || !query.has("state")) return undefined;
  const user = await identityProvider(settings.oidc).signinRedirectCallback();
  window.history.replaceState(null, "", `/${window.location.hash}`);
  return sessionFromToken(user.access_token, "provider", user.profile.name);
}

export interface SessionControl {
  session: Session;
  signOut: () => void;
}

export const SessionContext = createContext<SessionControl | undefined>(undefined);

export function useSession(): SessionControl {
  const control = useContext(SessionContext);
  if (!control) throw new Error("useSession outside the session provider");
  return control;
}
