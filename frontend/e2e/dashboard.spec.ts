// A new user on a fresh `make up`: signs up, connects the generic API channel, watches a message
// arrive live, approves its draft and sees it sent; changes a routing budget; promotes a model.
// Every page is checked with axe and photographed (the screenshots in docs/ come from here).
import { expect, test, type Page, type WebSocketRoute } from "@playwright/test";
import { apiAs, expectAccessible, RECEIVER, screenshot, watchConsole } from "./support";

const stamp = Date.now().toString(36);
const EMAIL = `agent-${stamp}@example.com`;
const SUBJECT = `Where is my order #A-${stamp}?`;

test.describe.serial("the dashboard, as a new user", () => {
  let page: Page;
  let consoleErrors: string[] = [];
  const offsite: string[] = [];
  let integrationId = "";
  let trainingRunId = "";

  test.beforeAll(async ({ browser }) => {
    const context = await browser.newContext();
    page = await context.newPage();
    // The product works offline: every request stays on this machine (no CDN fonts or scripts).
    context.on("request", (request) => {
      const { protocol, hostname } = new URL(request.url());
      const local = ["127.0.0.1", "localhost"].includes(hostname);
      if (!local && !["data:", "blob:"].includes(protocol)) offsite.push(request.url());
    });
    consoleErrors = watchConsole(page);
  });

  test.afterAll(async () => {
    await page.context().close();
  });

  test("signs up", async () => {
    await page.goto("/");
    await expect(page).toHaveURL(/\/sign-in/);
    await expectAccessible(page, "sign in");
    await screenshot(page, "sign-in");
    await page.getByRole("link", { name: /create an organization/i }).click();
    await page.getByLabel("Your name").fill("Ada Agent");
    await page.getByLabel("Organization").fill(`Acme ${stamp}`);
    await page.getByLabel("Work email").fill(EMAIL);
    await page.getByLabel("Password").fill("a long enough password");
    await expectAccessible(page, "register");
    await screenshot(page, "register");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page).toHaveURL(/\/inbox/);
    await expect(page.getByTestId("live-status")).toHaveText("Live");
    // A small model to promote later trains while the rest of the journey runs.
    const api = await apiAs(page);
    const run = await api.post("/api/v1/training/runs", {
      dataset: "bitext",
      trainer: "embedding-logreg",
      params: { limit: 400, ngrams: false },
    });
    trainingRunId = run.id;
  });

  test("connects the generic API channel", async () => {
    await page.getByRole("link", { name: "Integrations" }).click();
    const card = page.getByTestId("connector-api");
    await expect(card).toBeVisible();
    await expectAccessible(page, "integrations");
    await screenshot(page, "integrations");
    await card.getByRole("button", { name: "Connect" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel(/^name/i).fill("Website API");
    await dialog.getByLabel(/callback.url/i).fill(`${RECEIVER}/replies`);
    await dialog.getByLabel(/callback.secret/i).fill("e2e-callback-secret-0123456789");
    await dialog.getByRole("button", { name: "Connect" }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId("integration-list")).toContainText("Website API");
    const api = await apiAs(page);
    const list = await api.get("/api/v1/integrations");
    const created = list.items.find((i: { name: string }) => i.name === "Website API");
    expect(created.secrets_set).toContain("callback_secret");
    expect(JSON.stringify(created)).not.toContain("e2e-callback-secret");
    integrationId = created.id;
  });

  test("sees a message posted through the API arrive live, approves its draft, sees it sent", async () => {
    await page.getByRole("link", { name: "Inbox" }).click();
    await expect(page.getByTestId("live-status")).toHaveText("Live");
    const api = await apiAs(page);
    await api.post(`/api/v1/inbound/${integrationId}`, {
      external_id: `e2e-${stamp}`,
      from: { email: "customer@example.com", name: "Casey Customer" },
      subject: SUBJECT,
      text: `Hi, where is my order #A-${stamp}? It was due on Monday and the tracking has not moved.`,
    });
    // No reload: the websocket brings it.
    const row = page.getByTestId("conversation-row").filter({ hasText: SUBJECT });
    await expect(row).toBeVisible({ timeout: 60_000 });
    await expectAccessible(page, "inbox");
    await screenshot(page, "inbox");
    await row.getByRole("link").first().click();
    await expect(page.getByTestId("thread")).toContainText("tracking has not moved");
    const draft = page.getByTestId("draft-panel");
    const approve = draft.getByRole("button", { name: "Approve and send" });
    await expect(approve).toBeEnabled({ timeout: 90_000 });
    await expectAccessible(page, "conversation");
    await screenshot(page, "conversation");
    await approve.click();
    await expect(
      page.getByTestId("thread").getByTestId("message-status").filter({ hasText: /sent/i }),
    ).toBeVisible({
      timeout: 60_000,
    });
    // The reply reached the receiver, signed.
    const deliveries = await (await page.request.get(`${RECEIVER}/deliveries`)).json();
    expect(
      deliveries.some((d: { verified: boolean; text: string }) => d.verified && d.text.length > 0),
    ).toBe(true);
  });

  test("after a dropped connection, the inbox catches up on what it missed", async () => {
    // Every live socket goes through this route: while `blocked`, reconnects are refused.
    let blocked = false;
    const sockets: WebSocketRoute[] = [];
    const urls: string[] = [];
    await page.routeWebSocket(/\/api\/v1\/ws/, (ws) => {
      urls.push(ws.url());
      if (blocked) {
        void ws.close({ code: 1013, reason: "try again later" });
        return;
      }
      ws.connectToServer();
      sockets.push(ws);
    });
    await page.goto("/inbox");
    await expect(page.getByTestId("live-status")).toHaveText("Live");
    await expect(page.getByTestId("conversation-row").first()).toBeVisible();

    blocked = true;
    await sockets.at(-1)!.close({ code: 1006 });
    await expect(page.getByTestId("live-status")).not.toHaveText("Live");
    const missed = `Missed while offline ${stamp}`;
    const api = await apiAs(page);
    await api.post(`/api/v1/inbound/${integrationId}`, {
      external_id: `e2e-offline-${stamp}`,
      from: { email: "second@example.com", name: "Sam Second" },
      subject: missed,
      text: "I need to change the delivery address on my order.",
    });
    await expect
      .poll(async () => (await api.get(`/api/v1/conversations?q=${stamp}`)).items.length, {
        timeout: 30_000,
      })
      .toBe(2);
    // Stored, but this page was offline: it has not heard of it yet.
    await expect(page.getByTestId("conversation-row").filter({ hasText: missed })).toHaveCount(0);

    blocked = false;
    await expect(page.getByTestId("live-status")).toHaveText("Live", { timeout: 30_000 });
    await expect(page.getByTestId("conversation-row").filter({ hasText: missed })).toBeVisible();
    // The reconnect asked the server to resume after the last event this page had seen.
    expect(urls.at(-1)).toMatch(/[?&]since=\d+/);
    await page.unrouteAll({ behavior: "ignoreErrors" });
  });

  test("works from the keyboard: skip link, inbox row, back", async () => {
    await page.goto("/inbox");
    await expect(page.getByTestId("conversation-row").first()).toBeVisible();
    await page.keyboard.press("Tab");
    await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
    await page.keyboard.press("Enter");
    // From the main region, Tab reaches the first conversation's link before long.
    const first = page.getByTestId("conversation-row").first().getByRole("link").first();
    for (let i = 0; i < 25 && !(await first.evaluate((el) => el === document.activeElement)); i++) {
      await page.keyboard.press("Tab");
    }
    await expect(first).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/conversations\//);
    await expect(page.getByTestId("thread")).toBeVisible();
    await page.goBack();
    await expect(page).toHaveURL(/\/inbox/);
  });

  test("changes a routing budget", async () => {
    await page.getByRole("link", { name: "AI routing" }).click();
    const budget = page.getByLabel("Daily budget (USD)");
    await expect(budget).toBeVisible();
    await budget.fill("25");
    await page.getByRole("button", { name: "Save policy" }).click();
    await expect(page.getByText("Policy saved")).toBeVisible();
    await expectAccessible(page, "routing");
    await screenshot(page, "routing");
    await page.reload();
    await expect(page.getByLabel("Daily budget (USD)")).toHaveValue("25");
  });

  test("promotes a model", async () => {
    const api = await apiAs(page);
    await expect
      .poll(async () => (await api.get(`/api/v1/training/runs/${trainingRunId}`)).status, {
        timeout: 240_000,
        intervals: [2_000],
      })
      .toBe("succeeded");
    const run = await api.get(`/api/v1/training/runs/${trainingRunId}`);
    const version = String(run.model_version ?? run.version ?? "")
      .split(":")
      .pop();
    expect(version).toBeTruthy();
    await page.getByRole("link", { name: "Models" }).click();
    const row = page.getByTestId(`model-version-${version}`);
    await expect(row).toBeVisible({ timeout: 30_000 });
    await expectAccessible(page, "models");
    await screenshot(page, "models");
    await row.getByRole("button", { name: "Promote" }).click();
    const dialog = page.getByRole("dialog");
    await dialog
      .getByRole("button", { name: /^Promote( anyway)?$/ })
      .last()
      .click();
    const anyway = dialog.getByRole("button", { name: "Promote anyway" });
    const done = dialog.getByRole("button", { name: "Done" });
    await expect(anyway.or(done)).toBeVisible({ timeout: 60_000 });
    // The gate may refuse a small model: an admin may promote it anyway.
    if (await anyway.isVisible()) await anyway.click();
    await expect(done).toBeVisible({ timeout: 60_000 });
    await screenshot(page, "models-promoted");
    await done.click();
    await expect(page.getByTestId("serving-version")).toContainText(version!, { timeout: 60_000 });
  });

  test("opens the default workflow on the canvas and validates it", async () => {
    await page.getByRole("link", { name: "Workflows" }).click();
    await expect(page.getByTestId("workflow-row")).toHaveCount(1);
    await expectAccessible(page, "workflows");
    await screenshot(page, "workflows");
    await page.getByRole("button", { name: /^Edit AI draft for every customer message/ }).click();
    // React Flow draws the nodes and the edge between them in a real browser.
    await expect(page.getByTestId("wf-node-trigger")).toBeVisible();
    await expect(page.getByTestId("wf-node-action")).toBeVisible();
    await expect(page.locator(".react-flow__edge")).toHaveCount(1);
    await page.getByRole("button", { name: "Validate" }).click();
    await expect(page.getByText(/valid/i).first()).toBeVisible();
    await expectAccessible(page, "workflow builder");
    await screenshot(page, "workflow-builder");
  });

  test("invites a teammate, who accepts the invitation and lands in the inbox", async ({
    browser,
  }) => {
    await page.goto("/settings/users");
    await page.getByRole("button", { name: "Invite user" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Email").fill(`teammate-${stamp}@example.com`);
    await dialog.getByLabel("Name").fill("Tess Teammate");
    await dialog.getByRole("button", { name: "Create invitation" }).click();
    const link = await page.getByTestId("invitation-url").inputValue();
    expect(link).toContain("/accept-invitation?token=");
    await page.getByRole("dialog").getByRole("button", { name: "Done" }).click();
    await expect(page.getByTestId("user-row").filter({ hasText: "Tess Teammate" })).toBeVisible();

    const teammate = await (await browser.newContext()).newPage();
    await teammate.goto(new URL(link).pathname + new URL(link).search);
    await expectAccessible(teammate, "accept invitation");
    await screenshot(teammate, "accept-invitation");
    await teammate.getByLabel("Choose a password").fill("teammate password 123");
    await teammate.getByRole("button", { name: "Join the organization" }).click();
    await expect(teammate).toHaveURL(/\/inbox/);
    await expect(teammate.getByText(`Acme ${stamp}`)).toBeVisible();
    // A member sees read-only views where admins edit: they must be as readable.
    for (const [name, path] of [
      ["member inbox", "/inbox"],
      ["member routing", "/routing"],
      ["member models", "/models"],
      ["member settings", "/settings/organization"],
      ["member api keys", "/settings/api-keys"],
    ] as const) {
      await teammate.goto(path);
      await expect(teammate.locator("main h1").first()).toBeVisible();
      await expect(teammate.getByRole("status")).toHaveCount(0, { timeout: 30_000 });
      await expectAccessible(teammate, name);
    }
    await expect(teammate.getByTestId("admins-only")).toBeVisible();
    await teammate.context().close();
  });

  test("every other page loads, is accessible and is photographed", async () => {
    for (const [name, path] of [
      ["analytics", "/analytics"],
      ["settings-users", "/settings/users"],
      ["settings-api-keys", "/settings/api-keys"],
      ["settings-audit", "/settings/audit"],
      ["settings-organization", "/settings/organization"],
    ] as const) {
      await page.goto(path);
      await expect(page.locator("main h1").first()).toBeVisible();
      await expect(page.getByRole("status")).toHaveCount(0, { timeout: 30_000 }); // loaded
      await expectAccessible(page, name);
      await screenshot(page, name);
    }
    // The bundle goes out gzipped (prebuilt copies) and is cached for good.
    const html = await (await page.request.get("/")).text();
    const script = /\/assets\/[^"]+\.js/.exec(html)![0];
    const bundle = await page.request.get(script, { headers: { "Accept-Encoding": "gzip" } });
    expect(bundle.headers()["content-encoding"]).toBe("gzip");
    expect(bundle.headers()["cache-control"]).toContain("immutable");
    expect(consoleErrors).toEqual([]);
    expect(offsite).toEqual([]);
  });

  test("the demo login signs in and finds its sample conversations", async ({ browser }) => {
    const demo = await (await browser.newContext()).newPage();
    await demo.goto("/inbox");
    await expect(demo).toHaveURL(/\/sign-in\?next=%2Finbox/);
    await demo.getByLabel("Email").fill("demo@switchboard.local");
    await demo.getByLabel("Password").fill("switchboard-demo");
    await demo.getByRole("button", { name: "Sign in" }).click();
    await expect(demo).toHaveURL(/\/inbox/);
    const rows = demo.getByTestId("conversation-row");
    await expect(rows).toHaveCount(3);
    await rows.filter({ hasText: "Refund for double charge" }).getByRole("link").first().click();
    await expect(demo.getByTestId("thread")).toContainText("charged twice");
    await expectAccessible(demo, "demo conversation");
    await demo.getByRole("button", { name: "Sign out" }).click();
    await expect(demo).toHaveURL(/\/sign-in/);
    await demo.context().close();
  });
});
