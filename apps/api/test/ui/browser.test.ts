// The dashboard in a real Chromium against the real stack (docs/web.md → Tests in a real
// browser): the api and the worker as processes on the test engines, Slack as the fake
// server. Sign in; a failure reported through the api appears on the open Boards page
// within 5 s without a reload, as text; Acknowledge from the page reaches the Slack
// thread; the Scheduler page's chart has one point per run and its history pages go
// forward and back; every page passes axe and has no sideways scroll at 375 px.
import type { FakeSlack } from '@schedmon/fake-slack';
import { startFakeSlack } from '@schedmon/fake-slack';
import { waitFor } from '@schedmon/local';
import type { Browser, BrowserContext, Page } from '@schedmon/testing';
import {
  hasHorizontalScroll,
  launchChromium,
  seriousAccessibilityViolations,
  useTestEnvironment,
  windowAroundNow,
} from '@schedmon/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppProcess } from './stack.ts';
import { startApp } from './stack.ts';

const KEY = 'browser-test-key-0123456789';
const CHANNEL = 'C0OPS';
const XSS = '<img src=x onerror=alert(1)>';
const environment = useTestEnvironment();

let slack: FakeSlack;
let api: AppProcess;
let worker: AppProcess | undefined;
let workerEnv: Record<string, string>;
let apiEnv: Record<string, string>;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  slack = await startFakeSlack();
  const env = {
    ...environment().env,
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_API_URL: slack.url,
    SLACK_CHANNEL_ID: CHANNEL,
  };
  workerEnv = { ...env, RECEIVE_WAIT_SECONDS: '1', ALERT_RETRY_INTERVAL_SECONDS: '1' };
  // A secret of its own: sessions outlive a restart of the api (the reconnect test).
  apiEnv = {
    ...env,
    ...windowAroundNow(),
    API_KEYS: KEY,
    UI_REFRESH_SECONDS: '1',
    UI_SESSION_SECRET: 's'.repeat(40),
  };
  [api, browser] = await Promise.all([startApp('api', apiEnv), launchChromium()]);
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
}, 60_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await Promise.all([api?.stop(), worker?.stop()]);
  await slack?.stop();
});

// The worker runs per test: its long polls of the in-process queue engine are timers of
// this process, which the leak check after each test would count.
beforeEach(async () => {
  worker = await startApp('worker', workerEnv);
}, 30_000);
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
});

const call = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${api.base}${path}`, {
    method,
    headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status >= 300)
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response;
};

const register = (id: string, service: string, job: string) =>
  call('POST', '/api/v1/schedulers/register', {
    scheduler_id: id,
    service_name: service,
    job_name: job,
  });

const report = (id: string, service: string, job: string, fields: Record<string, unknown>) =>
  call('PUT', `/api/v1/schedulers/${id}/status`, {
    scheduler_id: id,
    service_name: service,
    job_name: job,
    timestamp: new Date().toISOString(),
    ...fields,
  });

/** Signs in through the form, unless the page's context already has a session. */
async function signIn(page: Page) {
  await page.goto(`${api.base}/ui/boards`);
  if (new URL(page.url()).pathname === '/ui/boards') return;
  expect(new URL(page.url()).pathname).toBe('/ui/login');
  await page.fill('#key', KEY);
  await page.click('button[type="submit"]');
  await page.waitForLoadState();
  if (page.url() !== `${api.base}/ui/boards`) {
    throw new Error(`sign-in ended at ${page.url()}: ${await page.locator('main').textContent()}`);
  }
}

describe('the dashboard in Chromium', () => {
  it('shows a failure on the open Boards page within 5 s, as text, and Acknowledge reaches Slack', async () => {
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await signIn(page);
    await page.waitForSelector('#live-status:has-text("Live")');
    // Marks this document: a reload would lose it.
    await page.evaluate('window.__sameDocument = true');

    await register('payments-eod', 'Payments', 'Nightly settlement');
    const accepted = performance.now();
    await report('payments-eod', 'Payments', 'Nightly settlement', {
      status: 'failed',
      error_message: XSS,
    });
    const row = page.locator('tr[data-scheduler="payments-eod"]');
    // The Status cell: an incident's mark in the Detail cell says "❌ Failed" too.
    await row
      .locator('td[data-label="Status"]', { hasText: '❌ Failed' })
      .waitFor({ timeout: 5_000 });
    const seconds = (performance.now() - accepted) / 1000;
    console.info(`the failure was on the open page ${seconds.toFixed(2)} s after the 202`);
    expect(seconds).toBeLessThan(5);
    expect(await page.evaluate('window.__sameDocument === true')).toBe(true);
    // The producer's text is on the page as text: no element, no script ran.
    await expect.poll(() => row.textContent()).toContain(XSS);
    expect(await page.locator('main img').count()).toBe(0);
    expect(dialogs).toEqual([]);

    // The worker opened an incident and posted its root message in Slack.
    const root = await waitFor(
      () =>
        slack
          .messages(CHANNEL)
          .find((message) => (message.text ?? '').includes('Nightly settlement')),
      'the incident root message in Slack',
      15_000,
    );
    await page.goto(`${api.base}/ui/incidents`);
    await waitFor(
      async () => {
        if ((await page.locator('button:has-text("Acknowledge")').count()) > 0) return true;
        await page.reload();
        return false;
      },
      'the open incident on the Incidents page',
      15_000,
    );
    await Promise.all([
      page.waitForResponse((answer) => answer.url().includes('/acknowledge')),
      page.locator('button:has-text("Acknowledge")').first().click(),
    ]);
    await page.locator('td[data-label="State"]:has-text("Acknowledged")').first().waitFor();
    const reply = await waitFor(
      () =>
        slack
          .thread(CHANNEL, root.ts)
          .find(
            (message) => message.ts !== root.ts && (message.text ?? '').includes('Acknowledged by'),
          ),
      'the acknowledgement in the Slack thread',
      15_000,
    );
    expect(reply.text).toContain('ui:');
    expect(dialogs).toEqual([]);
    await page.close();
  }, 60_000);

  it('draws one chart point per run, and pages the history older and back', async () => {
    await register('ledger-close', 'Ledger', 'Close the books');
    const runs = 15;
    const start = Date.now() - (runs + 1) * 3_600_000;
    for (let i = 0; i < runs; i += 1) {
      const startedAt = start + i * 3_600_000;
      const took = 60_000 + i * 7_000;
      await report('ledger-close', 'Ledger', 'Close the books', {
        status: 'running',
        timestamp: new Date(startedAt).toISOString(),
      });
      await report('ledger-close', 'Ledger', 'Close the books', {
        status: i === 4 ? 'failed' : 'completed',
        timestamp: new Date(startedAt + took).toISOString(),
        execution_time_ms: took,
        ...(i === 4 ? { error_message: 'ledger locked' } : {}),
      });
    }
    // The worker stores events in any order: wait until every row is in.
    await waitFor(
      async () => {
        const answer = await call('GET', '/api/v1/schedulers/ledger-close/history?limit=100');
        return ((await answer.json()) as unknown[]).length === runs * 2;
      },
      `${runs * 2} history rows`,
      30_000,
    );
    const page = await context.newPage();
    await signIn(page);
    // Once: the chart is kept a minute, so a retry would only see the same one.
    await page.goto(`${api.base}/ui/schedulers/ledger-close`);
    expect(await page.locator('figure.chart circle.point').count()).toBe(runs);
    expect(await page.locator('figure.chart circle.point.failed').count()).toBe(1);
    expect(await page.locator('figure.chart svg').getAttribute('data-points')).toBe(String(runs));

    const times = () => page.locator('td[data-label="Time"]').allInnerTexts();
    const first = await times();
    expect(first).toHaveLength(25);
    await Promise.all([page.waitForURL(/after=/), page.click('nav.pager >> text=Older')]);
    const second = await times();
    expect(second).toHaveLength(runs * 2 - 25);
    expect(second.filter((time) => first.includes(time))).toEqual([]);
    await Promise.all([page.waitForURL(/before=/), page.click('nav.pager >> text=Newer')]);
    expect(await times()).toEqual(first);
    await page.close();
  }, 60_000);

  it('passes axe on every page and has no sideways scroll at 375 px', async () => {
    const narrow = await browser.newContext({ viewport: { width: 375, height: 800 } });
    try {
      const page = await narrow.newPage();
      await page.goto(`${api.base}/ui/login`);
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      expect(await hasHorizontalScroll(page)).toBe(false);
      await signIn(page);
      const incident = await page.request.get(`${api.base}/api/v1/incidents?limit=1`, {
        headers: { 'x-api-key': KEY },
      });
      const incidentId = ((await incident.json()) as { incidents: { incident_id: string }[] })
        .incidents[0]?.incident_id;
      // The pages of what the tests above left: their schedulers and incident.
      expect(incidentId).toBeDefined();
      const pages = [
        '/ui/boards',
        '/ui/schedulers/payments-eod',
        '/ui/schedulers/ledger-close',
        '/ui/incidents',
        `/ui/incidents/${encodeURIComponent(incidentId ?? '')}`,
        '/ui/reports?board=default&days=7',
        '/ui/reports?board=default&days=30',
        '/ui/no-such-page',
      ];
      for (const path of pages) {
        await page.goto(`${api.base}${path}`);
        expect(await seriousAccessibilityViolations(page), path).toEqual([]);
        expect(await hasHorizontalScroll(page), path).toBe(false);
      }
      const wide = await context.newPage();
      for (const path of pages) {
        await wide.goto(`${api.base}${path}`);
        expect(await seriousAccessibilityViolations(wide), path).toEqual([]);
      }
      await wide.close();
    } finally {
      await narrow.close();
    }
  }, 120_000);

  it('reconnects by itself after the api restarts, and goes on updating the same page', async () => {
    const page = await context.newPage();
    await signIn(page);
    await page.waitForSelector('#live-status:has-text("Live")');
    await page.evaluate('window.__sameDocument = true');
    const port = api.port;
    await api.stop();
    await page.waitForSelector(
      '#live-status:has-text("Reconnecting"), #live-status:has-text("Disconnected")',
    );
    api = await startApp('api', apiEnv, { port });
    // EventSource retries every 3 s; after a refused answer the script backs off to 30 s.
    await page.waitForSelector('#live-status:has-text("Live")', { timeout: 60_000 });
    await register('after-restart', 'Restart', 'Came back');
    await page.locator('tr[data-scheduler="after-restart"]').waitFor({ timeout: 15_000 });
    expect(await page.evaluate('window.__sameDocument === true')).toBe(true);
    await page.close();
  }, 90_000);
});
