// The browser the dashboard's tests drive: the system's Chromium starts, renders a page,
// and the page checks can fail as well as pass.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from '../src/index.ts';
import {
  hasHorizontalScroll,
  launchChromium,
  seriousAccessibilityViolations,
} from '../src/index.ts';

const page = (body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Smoke</title></head><body><main>${body}</main></body></html>`;

// A browser is slow to start on a busy machine (the whole suite runs beside it).
describe('the system Chromium', { timeout: 60_000 }, () => {
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 375, height: 800 } });
  });

  afterEach(async () => {
    await context.close();
  });

  it('renders a page and finds no serious accessibility violation in an accessible one', async () => {
    const tab = await context.newPage();
    await tab.setContent(page('<h1>Boards</h1><button type="button">Acknowledge</button>'));
    expect(await tab.getByRole('button', { name: 'Acknowledge' }).isVisible()).toBe(true);
    expect(await seriousAccessibilityViolations(tab)).toEqual([]);
  });

  it('reports a button without a name and an image without alt text', async () => {
    const tab = await context.newPage();
    await tab.setContent(page('<h1>Boards</h1><button type="button"><img src="data:,"></button>'));
    const ids = (await seriousAccessibilityViolations(tab)).map((violation) => violation.id);
    expect(ids).toEqual(expect.arrayContaining(['button-name', 'image-alt']));
  });

  it('tells a page that scrolls sideways from one that does not', async () => {
    const tab = await context.newPage();
    await tab.setContent(page('<p>fits</p>'));
    expect(await hasHorizontalScroll(tab)).toBe(false);
    await tab.setContent(page('<div style="width: 1000px">too wide</div>'));
    expect(await hasHorizontalScroll(tab)).toBe(true);
  });
});
