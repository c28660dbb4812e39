import { ListTable } from "../components/ListTable";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { callService, postToService } from "../api";
import { useSession } from "../auth";
import { Loaded, Refusal } from "../components/Refusal";
import { dateTime } from "../format";
import { useSettings } from "../settings";
import { useResource } from "../use-resource";

type LetterState = "open" | "replaying" | "replayed" | "discarded";
const STATES: readonly LetterState[] = ["open", "replaying", "replayed", "discarded"];
const REFRESH_MS = 10_000;

/** A record a consumer gave up on (GET /ops/dead-letters on each service, service-host dead-letter-routes.ts). */
interface Letter {
  id: string;
  group: string;
  type: string;
  eventId: string;
  key: string;
  reason: string;
  error: string;
  attempts: number;
  firstFailedAt: string;
  failedAt: string;
  state: LetterState;
  settledBy: string | null;
  settledAt: string | null;
  discardReason: string | null;
}

/** One letter in full: its record's headers and its payload, personal fields masked by the service. */
interface LetterDetail extends Letter {
  headers: Record<string, string>;
  payload: unknown;
  payloadError: string | null;
}

/** Which service keeps a letter: each service keeps its own consumer group's. */
type Listed = Letter & { service: string };

/**
 * The services' dead letters by consumer group, type and state; one opened
 * to see why it failed, then replayed or discarded with a reason. The
 * services decide who may, and audit each action.
 */
export function DeadLettersPage() {
  const { t } = useTranslation();
  const { session } = useSession();
  const settings = useSettings();
  const [service, setService] = useState("");
  const [state, setState] = useState<LetterState>("open");
  const [type, setType] = useState("");
  const [opened, setOpened] = useState<Listed | undefined>(undefined);
  // Bumped after an action, so the list is read again at once.
  const [round, setRound] = useState(0);
  const services = service ? [service] : settings.services;
  const letters = useResource(
    `${services.join(",")}/${state}/${type}/${round}`,
    async (signal) => {
      const query = new URLSearchParams({ state, limit: "100", ...(type ? { type } : {}) });
      const lists = await Promise.all(
        services.map(async (name) => {
          const answer = await callService<{ letters: Letter[] }>(
            name,
            `/ops/dead-letters?${query}`,
            session.token,
            signal,
          );
          return answer.letters.map((letter): Listed => ({ ...letter, service: name }));
        }),
      );
      return lists.flat().sort((a, b) => b.failedAt.localeCompare(a.failedAt));
    },
    REFRESH_MS,
  );
  return (
    <section>
      <h1>{t("deadLetters.title")}</h1>
      <p className="muted">{t("deadLetters.intro")}</p>
      <form className="filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          {t("deadLetters.service")}
          <select name="service" value={service} onChange={(event) => setService(event.target.value)}>
            <option value="">{t("deadLetters.all")}</option>
            {settings.services.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("deadLetters.state")}
          <select name="state" value={state} onChange={(event) => setState(event.target.value as LetterState)}>
            {STATES.map((value) => (
              <option key={value} value={value}>
                {t(`deadLetters.states.${value}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("deadLetters.type")}
          <input
            name="type"
            value={type}
            placeholder="gov.lienthong.application.submitted.v1"
            onChange={(event) => setType(event.target.value.trim())}
          />
        </label>
      </form>
      <Loaded resource={letters}>
        {(list) => (
          <ListTable
            items={list}
            testId="dead-letters"
            columns={[
              { label: t("deadLetters.failedAt") },
              { label: t("deadLetters.service") },
              { label: t("deadLetters.type") },
              { label: t("deadLetters.dossier") },
              { label: t("deadLetters.reason") },
              { label: t("deadLetters.attempts"), numeric: true },
              { label: t("deadLetters.state") },
              { label: "" },
            ]}
            row={(letter) => (
              <tr key={`${letter.service}/${letter.id}`} data-letter={letter.id} data-key={letter.key}>
                <td>{dateTime(letter.failedAt)}</td>
                <td>{letter.service}</td>
                <td>{letter.type}</td>
                <td>{letter.key}</td>
                <td>{letter.reason}</td>
                <td className="num">{letter.attempts}</td>
                <td>
                  <span className={`tag ${letter.state === "open" ? "bad" : "ok"}`}>
                    {t(`deadLetters.states.${letter.state}`)}
                  </span>
                </td>
                <td>
                  <button type="button" onClick={() => setOpened(letter)}>
                    {t("deadLetters.inspect")}
                  </button>
                </td>
              </tr>
            )}
          />
        )}
      </Loaded>
      {opened ? (
        <LetterPanel
          key={`${opened.service}/${opened.id}`}
          letter={opened}
          onClose={() => setOpened(undefined)}
          onSettled={() => setRound((value) => value + 1)}
        />
      ) : null}
    </section>
  );
}

function LetterPanel({ letter, onClose, onSettled }: { letter: Listed; onClose: () => void; onSettled: () => void }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const [reason, setReason] = useState("");
  const [outcome, setOutcome] = useState<{ done?: string; failure?: unknown }>({});
  const [round, setRound] = useState(0);
  const path = `/ops/dead-letters/${encodeURIComponent(letter.id)}`;
  const detail = useResource(`${letter.service}${path}/${round}`, (signal) =>
    callService<LetterDetail>(letter.service, path, session.token, signal),
  );
  const act = async (action: "replay" | "discard") => {
    try {
      await postToService(
        letter.service,
        `${path}/${action}`,
        session.token,
        action === "discard" ? { reason } : undefined,
      );
      setOutcome({
        done: t(action === "replay" ? "deadLetters.replayed" : "deadLetters.discarded", { id: letter.id }),
      });
      setRound((value) => value + 1);
      onSettled();
    } catch (failure) {
      setOutcome({ failure });
    }
  };
  return (
    <article className="panel" data-testid="dead-letter">
      <h2>{t("deadLetters.detailTitle", { id: letter.id })}</h2>
      {outcome.done ? (
        <p className="done" role="status">
          {outcome.done}
        </p>
      ) : null}
      {outcome.failure !== undefined ? <Refusal error={outcome.failure} /> : null}
      <Loaded resource={detail}>
        {(full) => (
          <>
            <dl className="facts">
              <dt>{t("deadLetters.service")}</dt>
              <dd>{letter.service}</dd>
              <dt>{t("deadLetters.type")}</dt>
              <dd>{full.type}</dd>
              <dt>{t("deadLetters.dossier")}</dt>
              <dd>{full.key}</dd>
              <dt>{t("deadLetters.reason")}</dt>
              <dd>{full.reason}</dd>
              <dt>{t("deadLetters.error")}</dt>
              <dd className="pre">{full.error}</dd>
              <dt>{t("deadLetters.attempts")}</dt>
              <dd>{full.attempts}</dd>
              <dt>{t("deadLetters.firstFailedAt")}</dt>
              <dd>{dateTime(full.firstFailedAt)}</dd>
              <dt>{t("deadLetters.failedAt")}</dt>
              <dd>{dateTime(full.failedAt)}</dd>
              <dt>{t("deadLetters.state")}</dt>
              <dd data-testid="dead-letter-state">
                {full.state === "open"
                  ? t("deadLetters.states.open")
                  : t("deadLetters.settled", {
                      state: t(`deadLetters.states.${full.state}`),
                      by: full.settledBy ?? "?",
                      at: dateTime(full.settledAt ?? undefined),
                    })}
                {full.discardReason ? ` — ${full.discardReason}` : ""}
              </dd>
            </dl>
            <h3>{t("deadLetters.headers")}</h3>
            <pre>{Object.entries(full.headers).map(([name, value]) => `${name}: ${value}\n`)}</pre>
            <h3>{t("deadLetters.payload")}</h3>
            {full.payloadError ? (
              <p className="refusal">{t("deadLetters.payloadError", { error: full.payloadError })}</p>
            ) : (
              <pre data-testid="dead-letter-payload">{JSON.stringify(full.payload, null, 2)}</pre>
            )}
            {full.state === "open" ? (
              <div className="actions">
                <button type="button" className="primary" onClick={() => void act("replay")}>
                  {t("deadLetters.replay")}
                </button>
                <label>
                  {t("deadLetters.discardReason")}
                  <input name="discardReason" value={reason} onChange={(event) => setReason(event.target.value)} />
                </label>
                <button type="button" disabled={reason.trim().length < 3} onClick={() => void act("discard")}>
                  {t("deadLetters.discard")}
                </button>
              </div>
            ) : null}
          </>
        )}
      </Loaded>
      <p>
        <button type="button" onClick={onClose}>
          {t("deadLetters.close")}
        </button>
      </p>
    </article>
  );
}
