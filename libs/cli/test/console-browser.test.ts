import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import * as path from "node:path";
import { DEVELOPMENT_CLIENTS, DEVELOPMENT_OFFICIALS } from "@lienthong/service-host";
import { tempDir, waitFor } from "@lienthong/testing";
import { chromium, type Browser, type Page } from "playwright-core";
import { acceptAndApprove, demoApplication } from "../src/demo";
import { developmentCredentials } from "../src/dev-credentials";
import { startEmbedded, type EmbeddedPlatform } from "../src/embedded";
import { REPO } from "./support/cli";
import { startEmbeddedProcess, type EmbeddedProcess } from "./support/embedded-process";
import { holdNextDossierCode } from "./support/stray-dossier-code";

/** Debian's chromium (.ci/run installs it); playwright-core drives it, downloading no browser of its own. */
const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOTS = path.join(REPO, "var/console-screenshots");
const LAPTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };
const SERVICES = ["intake", "notification", "routing", "signature"];
const RUNS = chromiumPresent() || process.env.CI === "true";

function chromiumPresent(): boolean {
  return existsSync(CHROMIUM);
}
if (!chromiumPresent() && process.env.CI !== "true") {
  // Under CI the test runs and fails without it, as the Kafka tests do without kcat.
  console.warn(`console-browser.test.ts skipped: no ${CHROMIUM} (apt-get install chromium)`);
}

/** Signs in (out first, if someone is) with the console's development sign-in. */
async function signIn(page: Page, consoleUrl: string, subject: string): Promise<void> {
  await page.goto(consoleUrl);
  const signedIn = page.getByTestId("signed-in");
  // Whichever the page renders first tells whether someone is signed in: isVisible() alone would not wait for it.
  await page.locator('[data-testid="signed-in"], [data-testid="development-sign-in"]').first().waitFor();
  if (await signedIn.isVisible()) await page.getByRole("button", { name: "Đăng xuất" }).click();
  await page.getByTestId("development-sign-in").waitFor();
  await page.locator(`button[data-subject="${subject}"]`).click();
  await signedIn.waitFor();
}

/**
 * The operations console in a real browser, served by `lienthong start`: an
 * operator signs in with the development sign-in and sees the platform's
 * health, a completed dossier with its trace across the four services, and
 * the commune ranking counting it; an official without the operator role
 * sees the services' refusal.
 */
(RUNS ? describe : describe.skip)("operations console in Chromium", () => {
  let platform: EmbeddedProcess;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let browser: Browser;
  let page: Page;
  let consoleUrl = "";
  let dossierCode = "";
  /** What the page reported as errors; refused calls (401, 403) are expected, script errors are not. */
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dir = await tempDir("lienthong-console-");
    platform = await startEmbeddedProcess(dir.file("data"));
    await waitFor(() => /operations console (http:\/\/\S+)/.test(platform.output()), {
      timeoutMs: 10_000,
      description: "the console's URL printed by lienthong start",
    });
    consoleUrl = /operations console (http:\/\/\S+)/.exec(platform.output())![1]!;

    // One dossier from submission to its signed result, as a commune system and its officials take it.
    const submitted = await fetch(`${platform.urls.intake}/v1/applications`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "idempotency-key": randomUUID(),
        "x-api-key": DEVELOPMENT_CLIENTS.muongLat.key,
      },
      body: JSON.stringify(demoApplication()),
    });
    expect(submitted.status).toBe(201);
    dossierCode = ((await submitted.json()) as { application: { dossierCode: string } }).application.dossierCode;
    const client = { "x-api-key": DEVELOPMENT_CLIENTS.muongLat.key };
    await waitFor(
      async () => (await fetch(`${platform.urls.routing}/v1/dossiers/${dossierCode}`, { headers: client })).ok,
      {
        timeoutMs: 30_000,
        description: "the dossier at routing",
      },
    );
    await acceptAndApprove(platform.urls.routing, dossierCode, platform.credentials.officialsOf("14845"));
    await waitFor(
      async () => {
        const answer = await fetch(`${platform.urls.intake}/v1/applications/${dossierCode}`, { headers: client });
        return ((await answer.json()) as { application: { status: number } }).application.status === 9;
      },
      { timeoutMs: 60_000, description: "the dossier at status 9" },
    );

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: LAPTOP, locale: "vi-VN" });
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(message.text());
    });
    page.on("pageerror", (error) => pageErrors.push(`uncaught: ${error.message}`));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    const code = await platform?.stop();
    expect(code).toBe(0);
    await dir?.remove();
  }, 60_000);

  const signInAs = (subject: string) => signIn(page, consoleUrl, subject);

  it("signs the operator in with the development sign-in, labelled as such", async () => {
    await page.goto(consoleUrl);
    await expect(page.getByTestId("development-sign-in").textContent()).resolves.toContain(
      "Đăng nhập phát triển (chỉ dùng thử)",
    );
    // The built stylesheet applies (a page served without it still works, but is no console to hand anyone).
    await expect(
      page.evaluate<string>('getComputedStyle(document.querySelector("header")).backgroundColor'),
    ).resolves.toBe("rgb(13, 59, 102)");
    await page.screenshot({ path: path.join(SCREENSHOTS, "sign-in.png") });
    await signInAs(DEVELOPMENT_OFFICIALS.operator.subject);
    await expect(page.getByTestId("signed-in").textContent()).resolves.toContain(DEVELOPMENT_OFFICIALS.operator.name);
  }, 60_000);

  it("shows every service ready, refreshing on its own", async () => {
    await page.goto(`${consoleUrl}/#/`);
    const ready = page.locator('[data-testid="service-health"] [data-ready="true"]');
    await waitFor(async () => (await ready.count()) === SERVICES.length, { timeoutMs: 20_000, description: "4 ready" });
    const names = await Promise.all((await ready.all()).map((card) => card.getAttribute("data-service")));
    expect(names.sort()).toEqual(SERVICES);
    // The page asks again by itself: the time of the last answer moves on.
    const refreshed = page.getByText(/Cập nhật lúc/);
    const first = await refreshed.textContent();
    await waitFor(async () => (await refreshed.textContent()) !== first, {
      timeoutMs: 20_000,
      description: "a refresh",
    });
    // The pipeline's figures, as each service's /ops/health reads them from its own metrics.
    for (const service of SERVICES) {
      await expect(page.locator(`[data-figure="${service}:health.consumerLag"]`).textContent()).resolves.toMatch(
        /^\d+$/,
      );
    }
    await page.locator('[data-figure="notification:health.deliveriesFailed"]').waitFor();
    await page.locator('[data-figure="signature:health.signingQueue"]').waitFor();
    expect(await page.getByTestId("consumer-lag").locator("tbody tr").count()).toBeGreaterThanOrEqual(SERVICES.length);
    // Read just now, not figures kept from a bus that stopped answering.
    expect(await page.locator("[data-stale-figures]").count()).toBe(0);
    expect(await page.locator("[data-lag-unreadable]").count()).toBe(0);
    // The release each service reports beside its readiness.
    expect(await page.getByTestId("service-health").textContent()).not.toContain("không báo");
    await page.screenshot({ path: path.join(SCREENSHOTS, "health.png"), fullPage: true });
  }, 60_000);

  it("opens the dossier by its code: its events, deliveries and a trace across the four services", async () => {
    await page.goto(`${consoleUrl}/#/dossiers`);
    await page.getByRole("textbox", { name: "Mã hồ sơ" }).fill(dossierCode);
    await page.getByRole("button", { name: "Xem" }).click();
    await expect(page.getByTestId("dossier-code").textContent()).resolves.toBe(dossierCode);
    const waterfall = page.getByTestId("waterfall").first();
    const deliveries = page.getByTestId("deliveries").locator("tbody tr");
    const spannedServices = async () => {
      const tags = await waterfall.locator("[data-trace-service]").all();
      return (await Promise.all(tags.map((tag) => tag.getAttribute("data-trace-service")))).sort();
    };
    const journey = ["application.submitted", "application.accepted", "signature.signed", "dossier.result_issued"];
    const eventsShown = () => page.getByTestId("dossier-events").locator("tbody tr").allTextContents();
    // The page reads the dossier once; status 9 at intake does not wait for notification's deliveries, nor for
    // the last consumers' spans (stored as they end): read the page again until all of them are there.
    await waitFor(
      async () => {
        await waterfall.waitFor({ timeout: 30_000 });
        const events = await eventsShown();
        const complete =
          (await spannedServices()).join() === SERVICES.join() &&
          journey.every((event) => events.some((row) => row.includes(event))) &&
          (await deliveries.count()) >= 4;
        if (!complete) await page.reload();
        return complete;
      },
      { timeoutMs: 60_000, intervalMs: 500, description: "the dossier's trace, events and deliveries complete" },
    );
    expect(await spannedServices()).toEqual(SERVICES);
    // The dossier's journey, status after status, as its consumers processed it.
    const events = await eventsShown();
    for (const event of journey) {
      expect(events.some((row) => row.includes(event))).toBe(true);
    }
    expect(await deliveries.count()).toBeGreaterThanOrEqual(4);
    // Routing's assignment and intake's status timeline, read through their operator routes.
    await page.getByTestId("assignment").waitFor({ timeout: 30_000 });
    const timeline = page.getByTestId("status-timeline").locator("li");
    await waitFor(async () => (await timeline.count()) >= 4, { timeoutMs: 30_000, description: "the status timeline" });
    expect(await page.getByTestId("assignment").textContent()).toContain("Đã xử lý xong");
    expect((await page.content()).includes(demoApplication().applicant.citizenId)).toBe(false);
    await page.screenshot({ path: path.join(SCREENSHOTS, "dossier.png"), fullPage: true });
  }, 90_000);

  it("ranks the province's communes with the dossier counted at Mường Lát, and opens the commune", async () => {
    // The figures' requests to routing: the table is one province-wide read, the chart one read a month.
    const indicatorReads: string[] = [];
    const recordRead = (request: { url(): string }) => {
      const match = /\/api\/routing\/v1\/indicators\/([^?]+)/.exec(request.url());
      if (match) indicatorReads.push(match[1]!);
    };
    page.on("request", recordRead);
    await page.goto(`${consoleUrl}/#/communes`);
    const row = page.locator('[data-testid="commune-ranking"] tr[data-unit="14845"]');
    await row.waitFor({ timeout: 60_000 });
    await expect(row.locator('[data-figure="received"]').textContent()).resolves.toBe("1");
    await expect(row.locator('[data-figure="onTime"]').textContent()).resolves.toBe("1");
    await expect(row.locator("td").first().textContent()).resolves.toBe("1");
    await page.locator("canvas").first().waitFor();
    page.off("request", recordRead);
    expect(indicatorReads.filter((unit) => unit === "38/communes")).toHaveLength(1);
    // No commune asked for alone; the province's months of the year so far, at most 13 for any period.
    const monthly = indicatorReads.filter((unit) => unit === "38");
    expect(indicatorReads.filter((unit) => unit !== "38" && unit !== "38/communes")).toEqual([]);
    expect(monthly.length).toBeGreaterThanOrEqual(1);
    expect(monthly.length).toBeLessThanOrEqual(13);
    await page.screenshot({ path: path.join(SCREENSHOTS, "communes.png"), fullPage: true });

    // Sorting by a column: the one dossier's commune leads by dossiers received.
    await page.getByRole("button", { name: "Tiếp nhận" }).click();
    const first = page.locator('[data-testid="commune-ranking"] tbody tr').first();
    await expect(first.getAttribute("data-unit")).resolves.toBe("14845");

    await row.getByRole("link").click();
    await page.getByTestId("commune-figures").waitFor();
    await expect(page.getByTestId("commune-figures").textContent()).resolves.toContain("Tiếp nhận 1");
    await page.screenshot({ path: path.join(SCREENSHOTS, "commune.png"), fullPage: true });
  }, 120_000);

  it("fits a phone's screen, and speaks English when asked", async () => {
    await page.setViewportSize(PHONE);
    await page.goto(`${consoleUrl}/#/communes`);
    await page.locator('[data-testid="commune-ranking"] tr[data-unit="14845"]').waitFor({ timeout: 60_000 });
    await page.locator("canvas").first().waitFor();
    // Wide tables scroll inside their own box; the page itself never scrolls sideways.
    const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, "communes-phone.png"), fullPage: true });
    await page.setViewportSize(LAPTOP);

    await page.getByRole("button", { name: "EN" }).click();
    await expect(page.locator("h1").textContent()).resolves.toBe("Decision 766 figures by commune");
    await page.getByRole("button", { name: "VI" }).click();
    await expect(page.locator("h1").textContent()).resolves.toBe("Chỉ số Quyết định 766 theo xã, phường");
  }, 90_000);

  it("shows an official without the operator role the services' refusal", async () => {
    await signInAs(DEVELOPMENT_OFFICIALS.leaderMuongLat.subject);
    await page.goto(`${consoleUrl}/#/dossiers/${dossierCode}`);
    const refusals = page.locator('.refusal[data-status="403"]');
    await waitFor(async () => (await refusals.count()) > 0, { timeoutMs: 30_000, description: "a 403 refusal" });
    await expect(refusals.first().textContent()).resolves.toContain("không có quyền");
    expect(await page.getByTestId("waterfall").count()).toBe(0);
    expect(await page.getByTestId("deliveries").count()).toBe(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, "refused.png"), fullPage: true });
  }, 60_000);

  it("ran without a script error or a content security policy violation", () => {
    expect(pageErrors.filter((text) => !/status of 40[13]/.test(text))).toEqual([]);
    // The refusals above did reach the page as errors of their requests: the listener heard the page.
    expect(pageErrors.some((text) => /status of 403/.test(text))).toBe(true);
  });
});

/**
 * Dead letters in the console, on the embedded platform run in this process
 * (its routing store is at hand): routing cannot take a dossier in because a
 * stray record holds its code (as a botched migration would leave), so the
 * submitted event is dead-lettered. The operator finds it, reads it masked,
 * mends the cause, replays it from the page, and the dossier completes.
 */
(RUNS ? describe : describe.skip)("dead letters in the operations console", () => {
  /** How far the platform's clock runs ahead of the real one: moved forward to make a dossier overdue. */
  let clockAheadMs = 0;
  let platform: EmbeddedPlatform;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    dir = await tempDir("lienthong-console-dead-letters-");
    platform = await startEmbedded({
      dataDir: dir.file("data"),
      host: "127.0.0.1",
      httpBase: 0,
      grpcBase: 0,
      opsBase: 0,
      simulatorPort: 0,
      consolePort: 0,
      // The deadline watcher looks often, so a dossier is flagged overdue soon after the clock passes its date.
      env: { LOG_LEVEL: "silent", DEADLINE_POLL_INTERVAL_MS: "300" },
      clock: () => new Date(Date.now() + clockAheadMs),
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: LAPTOP, locale: "vi-VN" });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    await dir?.remove();
  }, 60_000);

  it("finds the dead letter, shows it masked, replays it, and the dossier completes", async () => {
    const url = (name: string) => platform.services.find((service) => service.name === name)!.httpUrl;
    const routing = platform.hosts.find((host) => host.name === "routing")!;
    const application = demoApplication();
    const { release } = await holdNextDossierCode(routing, application.receivingUnitCode);
    const client = { "x-api-key": DEVELOPMENT_CLIENTS.muongLat.key };
    const submitted = await fetch(`${url("intake")}/v1/applications`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": randomUUID(), ...client },
      body: JSON.stringify(application),
    });
    expect(submitted.status).toBe(201);
    const { dossierCode, dossierId } = (
      (await submitted.json()) as {
        application: { dossierCode: string; dossierId: string };
      }
    ).application;

    await signIn(page, platform.consoleUrl!, DEVELOPMENT_OFFICIALS.operator.subject);
    await page.goto(`${platform.consoleUrl!}/#/dead-letters`);
    await page.locator('select[name="service"]').selectOption("routing");
    const row = page.locator(`[data-testid="dead-letters"] tr[data-key="${dossierId}"]`);
    await row.waitFor({ timeout: 120_000 });
    await expect(row.textContent()).resolves.toContain("gov.lienthong.application.submitted.v1");
    await row.getByRole("button", { name: "Xem" }).click();
    const payload = page.getByTestId("dead-letter-payload");
    await payload.waitFor();
    const shown = (await payload.textContent()) ?? "";
    expect(shown).toContain(dossierCode);
    expect(shown).toContain("[redacted]");
    expect(shown).not.toContain(application.applicant.fullName);
    expect(shown).not.toContain(application.applicant.citizenId);
    await page.screenshot({ path: path.join(SCREENSHOTS, "dead-letters.png"), fullPage: true });

    // The cause mended, the letter replayed from the page: the dossier is taken in and goes to its result.
    await release();
    await page.getByRole("button", { name: "Gửi lại" }).click();
    await expect(page.getByRole("status").textContent()).resolves.toContain("Đã gửi lại");
    // The letter as the service now has it, read again after the action.
    const state = page.getByTestId("dead-letter-state");
    await waitFor(async () => ((await state.textContent()) ?? "").includes("đã gửi lại bởi van-hanh-tinh"), {
      timeoutMs: 10_000,
      description: "the letter shown replayed by the operator",
    });
    await waitFor(async () => (await fetch(`${url("routing")}/v1/dossiers/${dossierCode}`, { headers: client })).ok, {
      timeoutMs: 60_000,
      description: "the dossier at routing after the replay",
    });
    const credentials = await developmentCredentials(path.join(dir.file("data"), "identity"));
    await acceptAndApprove(url("routing"), dossierCode, credentials.officialsOf("14845"));
    await waitFor(
      async () => {
        const answer = await fetch(`${url("intake")}/v1/applications/${dossierCode}`, { headers: client });
        return ((await answer.json()) as { application: { status: number } }).application.status === 9;
      },
      { timeoutMs: 60_000, description: "the replayed dossier at status 9" },
    );
    // Open letters no longer list it.
    await page.locator('select[name="state"]').selectOption("open");
    await waitFor(async () => (await row.count()) === 0, { timeoutMs: 20_000, description: "the letter closed" });
  }, 240_000);

  it("refuses the dead letters to an official without the operator role", async () => {
    await signIn(page, platform.consoleUrl!, DEVELOPMENT_OFFICIALS.leaderMuongLat.subject);
    await page.goto(`${platform.consoleUrl!}/#/dead-letters`);
    const refusal = page.locator('.refusal[data-status="403"]');
    await refusal.first().waitFor({ timeout: 30_000 });
    expect(await page.getByTestId("dead-letters").count()).toBe(0);
  }, 60_000);
  it("counts an accepted dossier overdue in the commune ranking once its appointment has passed", async () => {
    const url = (name: string) => platform.services.find((service) => service.name === name)!.httpUrl;
    const client = { "x-api-key": DEVELOPMENT_CLIENTS.muongLat.key };
    const submitted = await fetch(`${url("intake")}/v1/applications`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": randomUUID(), ...client },
      body: JSON.stringify(demoApplication()),
    });
    expect(submitted.status).toBe(201);
    const { dossierCode } = ((await submitted.json()) as { application: { dossierCode: string } }).application;
    await waitFor(async () => (await fetch(`${url("routing")}/v1/dossiers/${dossierCode}`, { headers: client })).ok, {
      timeoutMs: 60_000,
      description: "the dossier at routing",
    });
    const credentials = await developmentCredentials(path.join(dir.file("data"), "identity"));
    const accepted = await fetch(`${url("routing")}/v1/dossiers/${dossierCode}/actions/accept`, {
      method: "POST",
      headers: { "content-type": "application/json", ...credentials.officialsOf("14845").receivingOfficer },
      body: "{}",
    });
    expect(accepted.status).toBe(200);

    // Sixty days on, far past any appointment of the sample procedures: the deadline watcher flags it.
    clockAheadMs = 60 * 24 * 60 * 60 * 1000;
    await waitFor(
      async () => {
        const answer = await fetch(`${url("routing")}/ops/dossiers/${dossierCode}`, { headers: credentials.operator });
        return (
          ((await answer.json()) as { assignment: { deadlineState: string } }).assignment.deadlineState === "overdue"
        );
      },
      { timeoutMs: 30_000, description: "the dossier flagged overdue" },
    );

    await signIn(page, platform.consoleUrl!, DEVELOPMENT_OFFICIALS.operator.subject);
    await page.goto(`${platform.consoleUrl!}/#/communes`);
    const row = page.locator('[data-testid="commune-ranking"] tr[data-unit="14845"]');
    await row.waitFor({ timeout: 60_000 });
    await waitFor(async () => (await row.locator('[data-figure="overdue"]').textContent()) === "1", {
      timeoutMs: 30_000,
      description: "Mường Lát's overdue dossier counted",
    });
    await page.screenshot({ path: path.join(SCREENSHOTS, "communes-overdue.png"), fullPage: true });
    // The commune's page lists it among its overdue dossiers, from the queue province IT reads.
    await row.getByRole("link").click();
    await page.getByTestId("commune-figures").waitFor();
    await page.getByText(dossierCode).first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(SCREENSHOTS, "commune-overdue.png"), fullPage: true });
  }, 180_000);
});
