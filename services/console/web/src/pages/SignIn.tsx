import { useState } from "react";
import { useTranslation } from "react-i18next";
import { callConsole } from "../api";
import { identityProvider, sessionFromToken, type Session } from "../auth";
import { Loaded, Refusal } from "../components/Refusal";
import { useSettings } from "../settings";
import { useResource } from "../use-resource";

interface DevelopmentOfficial {
  subject: string;
  name: string;
  roles: string[];
  unitCodes: string[];
}

/**
 * Signing in: the province's identity provider where there is one; the
 * development officials where the platform runs without one (labelled as
 * such); or a token obtained elsewhere, pasted.
 */
export function SignInPage({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const { t } = useTranslation();
  const settings = useSettings();
  const [failure, setFailure] = useState<unknown>(undefined);
  const [token, setToken] = useState("");
  const officials = useResource(settings.developmentSignIn ? "officials" : undefined, () =>
    callConsole<{ officials: DevelopmentOfficial[] }>("/development/officials"),
  );
  const signInAs = async (official: DevelopmentOfficial) => {
    try {
      const { accessToken } = await callConsole<{ accessToken: string }>("/development/token", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ subject: official.subject }),
      });
      onSignedIn(sessionFromToken(accessToken, "development", official.name));
    } catch (error) {
      setFailure(error);
    }
  };
  return (
    <section className="sign-in">
      <h1>{t("signIn.title")}</h1>
      <p>{t("signIn.intro")}</p>
      {failure !== undefined ? <Refusal error={failure} /> : null}
      {settings.oidc ? (
        <p>
          <button
            type="button"
            className="primary"
            onClick={() => {
              identityProvider(settings.oidc!)
                .signinRedirect()
                .catch((error: unknown) => setFailure(error));
            }}
          >
            {t("signIn.provider")}
          </button>
        </p>
      ) : null}
      {settings.developmentSignIn ? (
        <div className="development" data-testid="development-sign-in">
          <h2>{t("signIn.developmentTitle")}</h2>
          <p className="warning">{t("signIn.developmentWarning")}</p>
          <Loaded resource={officials}>
            {({ officials: list }) => (
              <ul className="officials">
                {list.map((official) => (
                  <li key={official.subject}>
                    <button type="button" data-subject={official.subject} onClick={() => void signInAs(official)}>
                      {t("signIn.signInAs")}: {official.name}
                    </button>
                    <span className="muted">
                      {" "}
                      {official.roles.join(", ")} · {official.unitCodes.join(", ")}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </Loaded>
        </div>
      ) : null}
      <form
        className="token"
        onSubmit={(event) => {
          event.preventDefault();
          if (token.trim()) onSignedIn(sessionFromToken(token.trim(), "token"));
        }}
      >
        <h2>{t("signIn.tokenTitle")}</h2>
        <label>
          {t("signIn.tokenHint")}
          <textarea name="token" rows={3} value={token} onChange={(event) => setToken(event.target.value)} />
        </label>
        <button type="submit">{t("signIn.tokenSubmit")}</button>
      </form>
    </section>
  );
}
