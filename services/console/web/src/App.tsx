import { lazy, Suspense, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, Route, Router, Switch, useLocation } from "wouter";
import { useHashLocation } from "wouter/use-hash-location";
import { clearSession, saveSession, SessionContext, type Session } from "./auth";
import { changeLanguage, LANGUAGES } from "./i18n";
import { DeadLettersPage } from "./pages/DeadLetters";
import { DossierPage, DossierSearch } from "./pages/Dossier";
import { HealthPage } from "./pages/Health";
import { SignInPage } from "./pages/SignIn";
import { PeriodContext, yearToDate, type Period } from "./period";

// The communes pages carry the chart library: loaded when first opened.
const CommunesPage = lazy(async () => ({ default: (await import("./pages/Communes")).CommunesPage }));
const CommunePage = lazy(async () => ({ default: (await import("./pages/Commune")).CommunePage }));

function NavLink({ href, children }: { href: string; children: string }) {
  const [location] = useLocation();
  const active = href === "/" ? location === "/" : location.startsWith(href);
  return (
    <Link href={href} className={active ? "active" : undefined} aria-current={active ? "page" : undefined}>
      {children}
    </Link>
  );
}

function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <span className="languages" role="group" aria-label={t("app.language")}>
      {LANGUAGES.map((language) => (
        <button
          key={language}
          type="button"
          lang={language}
          aria-pressed={i18n.language === language}
          onClick={() => void changeLanguage(language)}
        >
          {language.toUpperCase()}
        </button>
      ))}
    </span>
  );
}

/** The console: sign-in until someone is signed in, then the pages, in hash routes (the server serves one page). */
export function App({ initialSession }: { initialSession: Session | undefined }) {
  const { t } = useTranslation();
  const [session, setSession] = useState(initialSession);
  const [period, setPeriod] = useState<Period>({ provinceCode: undefined, ...yearToDate() });
  const sessionControl = useMemo(
    () =>
      session && {
        session,
        signOut: () => {
          clearSession();
          setSession(undefined);
        },
      },
    [session],
  );
  return (
    <Router hook={useHashLocation}>
      <header className="top">
        <strong className="brand">{t("app.title")}</strong>
        {session ? (
          <nav>
            <NavLink href="/">{t("app.nav.health")}</NavLink>
            <NavLink href="/communes">{t("app.nav.communes")}</NavLink>
            <NavLink href="/dossiers">{t("app.nav.dossier")}</NavLink>
            <NavLink href="/dead-letters">{t("app.nav.deadLetters")}</NavLink>
          </nav>
        ) : null}
        <span className="who">
          <LanguageSwitch />
          {session ? (
            <>
              <span data-testid="signed-in" title={t("app.roles", { roles: session.roles.join(", ") })}>
                {t("app.signedInAs", { name: session.name })}
              </span>
              <button type="button" onClick={() => sessionControl?.signOut()}>
                {t("app.signOut")}
              </button>
            </>
          ) : null}
        </span>
      </header>
      <main>
        {sessionControl ? (
          <SessionContext.Provider value={sessionControl}>
            <PeriodContext.Provider value={{ period, setPeriod }}>
              <Suspense fallback={<p className="muted">{t("app.loading")}</p>}>
                <Switch>
                  <Route path="/">
                    <HealthPage />
                  </Route>
                  <Route path="/communes">
                    <CommunesPage />
                  </Route>
                  <Route path="/communes/:code">{(params) => <CommunePage code={params.code} />}</Route>
                  <Route path="/dossiers">
                    <DossierSearch />
                  </Route>
                  <Route path="/dead-letters">
                    <DeadLettersPage />
                  </Route>
                  <Route path="/dossiers/:code">
                    {(params) => <DossierPage key={params.code} code={params.code} />}
                  </Route>
                </Switch>
              </Suspense>
            </PeriodContext.Provider>
          </SessionContext.Provider>
        ) : (
          <SignInPage
            onSignedIn={(signedIn) => {
              saveSession(signedIn);
              setSession(signedIn);
            }}
          />
        )}
      </main>
    </Router>
  );
}
