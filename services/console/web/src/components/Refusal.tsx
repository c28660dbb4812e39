import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api";

/**
 * What a page shows instead of data the service would not give: who refused
 * and why, in the service's own words. The services decide; the console says.
 */
export function Refusal({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!(error instanceof ApiError)) {
    return (
      <p className="refusal" role="alert">
        {error instanceof Error ? error.message : String(error)}
      </p>
    );
  }
  const service = error.service;
  const message =
    error.status === 401
      ? t("refusal.unauthenticated", { service })
      : error.status === 403
        ? t("refusal.forbidden", { service })
        : error.status === 404
          ? t("refusal.notFound", { service })
          : error.status === 0
            ? t("refusal.unreachable", { service })
            : t("refusal.failed", { service, status: error.status });
  return (
    <div className="refusal" role="alert" data-status={error.status}>
      <p>{message}</p>
      {error.problem?.detail ? <p className="muted">{t("refusal.detail", { detail: error.problem.detail })}</p> : null}
    </div>
  );
}

/** A section's body: loading, the refusal, or what `children` renders of the data. */
export function Loaded<T>({
  resource,
  children,
}: {
  resource: { data: T | undefined; error: unknown; loading: boolean };
  children: (data: T) => ReactNode;
}) {
  const { t } = useTranslation();
  if (resource.data !== undefined) return <>{children(resource.data)}</>;
  if (resource.error !== undefined) return <Refusal error={resource.error} />;
  return <p className="muted">{t("app.loading")}</p>;
}
