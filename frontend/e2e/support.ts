import AxeBuilder from "@axe-core/playwright";
import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

export const SCREENSHOTS = process.env.SCREENSHOT_DIR ?? join("test-results", "screenshots");
export const RECEIVER = process.env.CALLBACK_URL ?? "";

/** The signed-in user's access token, read from the session the dashboard keeps. */
export async function accessToken(page: Page): Promise<string> {
  const raw = await page.evaluate(() => localStorage.getItem("switchboard.session"));
  const token = raw
    ? (JSON.parse(raw) as { state?: { accessToken?: string } }).state?.accessToken
    : null;
  if (!token) throw new Error("not signed in");
  return token;
}

export async function apiAs(page: Page) {
  const token = await accessToken(page);
  const headers = { Authorization: `Bearer ${token}` };
  const request: APIRequestContext = page.request;
  return {
    get: async (path: string) => {
      const answer = await request.get(path, { headers });
      expect(answer.ok(), `${path}: ${answer.status()} ${await answer.text()}`).toBeTruthy();
      return answer.json();
    },
    post: async (path: string, data: unknown) => {
      const answer = await request.post(path, { headers, data });
      expect(answer.ok(), `${path}: ${answer.status()} ${await answer.text()}`).toBeTruthy();
      return answer.json();
    },
  };
}

/** No serious or critical accessibility violation (axe, WCAG 2 A/AA rules). */
export async function expectAccessible(page: Page, name: string) {
  // Fades and slides still running would be judged half-transparent: let them finish.
  await page.waitForFunction(() =>
    document.getAnimations().every((a) => a.playState !== "running"),
  );
  const result = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const summary = bad.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help} — ${v.nodes
        .slice(0, 3)
        .map((n) => n.target.join(" "))
        .join(", ")}`,
  );
  expect(summary, `accessibility of ${name}`).toEqual([]);
}

export async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // A full-page shot of a scrolled page draws the fixed app bar mid-page: start at the top.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Console errors and uncaught exceptions, collected for the whole run. The one expected
 * failure is the gate's 409 on promote: Chromium logs every 4xx answer, handled or not. */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const where = msg.location().url;
    const gateRefusal = msg.text().includes("409") && /\/promote$/.test(where);
    if (!gateRefusal) errors.push(`${msg.text()} (${where})`);
  });
  page.on("pageerror", (error) => errors.push(String(error)));
  return errors;
}
