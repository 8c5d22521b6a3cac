// The website chat widget on a fresh `make up`: an admin creates a widget through the API, a
// visitor opens its test page in Chromium and chats; an agent types and answers through the API;
// a message written while offline goes out once when the connection is back.
import { expect, test, type APIRequestContext } from "@playwright/test";
import { expectAccessible, screenshot } from "./support";

const stamp = Date.now().toString(36);
const QUESTION = `Hello, where is my order #W-${stamp}? It was due yesterday.`;
const ANSWER = `Your order #W-${stamp} ships tomorrow morning.`;
const OFFLINE = `Written offline ${stamp}: please also change the address.`;

type Headers = Record<string, string>;
type Item = { id: string; text: string; direction?: string };

async function signUp(request: APIRequestContext): Promise<Headers> {
  const answer = await request.post("/api/v1/auth/register", {
    data: {
      email: `widget-${stamp}@example.com`,
      password: "a long enough password",
      name: "Wanda Admin",
      organization_name: `Widget ${stamp}`,
    },
  });
  expect(answer.status(), await answer.text()).toBe(201);
  return { Authorization: `Bearer ${(await answer.json()).access_token}` };
}

async function call(request: APIRequestContext, headers: Headers, path: string, data?: unknown) {
  const answer =
    data === undefined
      ? await request.get(path, { headers })
      : await request.post(path, { headers, data });
  expect(answer.ok(), `${path}: ${answer.status()} ${await answer.text()}`).toBeTruthy();
  return answer.json();
}

test("a visitor chats through the widget, live and offline", async ({ page, context, request }) => {
  test.setTimeout(90_000);
  const offsite: string[] = [];
  context.on("request", (r) => {
    const { hostname, protocol } = new URL(r.url());
    if (!["127.0.0.1", "localhost"].includes(hostname) && protocol !== "data:")
      offsite.push(r.url());
  });
  const admin = await signUp(request);
  const widget = await call(request, admin, "/api/v1/integrations", {
    name: "Website chat",
    type: "widget",
    config: { title: "Chat with Acme", welcome_text: "We usually answer within minutes." },
  });
  const install = await call(request, admin, `/api/v1/integrations/${widget.id}/widget`);
  expect(install.snippet).toContain(`data-key="${install.public_key}"`);

  await page.goto(`/api/v1/widget/test?key=${install.public_key}`);
  const launcher = page.getByRole("button", { name: /^Open chat/ });
  await launcher.click();
  const chat = page.getByRole("dialog", { name: "Chat with Acme" });
  await expect(chat).toBeVisible();
  await expect(chat.getByText("We usually answer within minutes.")).toBeVisible();
  await expect(chat.getByLabel("Message")).toBeFocused();
  await expectAccessible(page, "widget test page");

  // A message, acknowledged once JetStream has it, becomes a conversation in the inbox.
  await chat.getByLabel("Message").fill(QUESTION);
  await chat.getByRole("button", { name: "Send" }).click();
  await expect(chat.locator('li.visitor[data-state="sent"]', { hasText: QUESTION })).toBeVisible();
  let conversation = "";
  await expect
    .poll(async () => {
      const list = await call(request, admin, "/api/v1/conversations?channel=widget");
      conversation = list.items[0]?.id ?? "";
      return conversation;
    })
    .not.toBe("");

  // The agent types, then answers: both show up live.
  await call(request, admin, `/api/v1/conversations/${conversation}/typing`, { state: true });
  await expect(chat.getByText("Agent is typing…")).toBeVisible();
  await call(request, admin, `/api/v1/conversations/${conversation}/messages`, { text: ANSWER });
  await expect(chat.locator("li.agent", { hasText: ANSWER })).toBeVisible();
  await expect(chat.getByText("Agent is typing…")).toBeHidden();
  await screenshot(page, "widget");

  // Offline: the message waits, then goes out once when the connection is back.
  await context.setOffline(true);
  await expect(chat.getByText(/You are offline/)).toBeVisible();
  await chat.getByLabel("Message").fill(OFFLINE);
  await chat.getByLabel("Message").press("Enter");
  await expect(chat.locator('li.visitor[data-state="queued"]', { hasText: OFFLINE })).toBeVisible();
  await context.setOffline(false);
  await expect(chat.locator('li.visitor[data-state="sent"]', { hasText: OFFLINE })).toBeVisible();
  const copies = async () => {
    const messages = await call(request, admin, `/api/v1/conversations/${conversation}/messages`);
    return (messages.items as Item[]).filter((m) => m.text === OFFLINE).length;
  };
  await expect.poll(copies).toBe(1);

  // A returning visitor sees the whole conversation, each message once.
  await page.reload();
  await page.getByRole("button", { name: /^Open chat/ }).click();
  const log = page.getByRole("log", { name: "Conversation" });
  for (const text of [QUESTION, ANSWER, OFFLINE]) {
    await expect(log.getByText(text, { exact: true })).toHaveCount(1);
  }
  expect(await copies()).toBe(1);
  expect(offsite).toEqual([]);
});
