// The dashboard's pages on the in-memory fakes (docs/web.md): sign-in and its cookie,
// scopes, Origin, escaping, history pages, Acknowledge and the error pages. The real
// browser against the real stack is in browser.test.ts.
import { boardOf } from '@schedmon/domain';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../src/auth.ts';
import { FULL_KEY, READ_KEY, registration, SERVICE_A_KEY, useApp, WRITE_KEY } from '../helpers.ts';
import { applyStatus, ORIGIN, openIncident, signIn, uiOptions } from './ui-helpers.ts';

const setup = useApp();
const NOW = '2026-01-15T01:00:00.000Z';
const minutesAgo = (minutes: number) => new Date(Date.parse(NOW) - minutes * 60_000).toISOString();
const XSS = '<img src=x onerror=alert(1)>';

async function seeded(options = uiOptions()) {
  const fixture = setup(options);
  for (const id of ['service-a-eod', 'service-a-report', 'service-b-eod']) {
    await fixture.schedulers.register(
      {
        ...registration(id),
        job_name: `Job ${id}`,
        service_name: id.startsWith('service-a') ? 'Service A' : 'Service B',
      },
      minutesAgo(120),
    );
  }
  await applyStatus(fixture, {
    id: 'service-a-eod',
    status: 'completed',
    at: minutesAgo(30),
    ms: 15_000,
    job: 'Job service-a-eod',
  });
  await applyStatus(fixture, {
    id: 'service-b-eod',
    status: 'failed',
    at: minutesAgo(20),
    error: XSS,
    service: 'Service B',
    job: 'Job service-b-eod',
  });
  return fixture;
}

const get = (app: ReturnType<typeof setup>['app'], url: string, cookie?: string) =>
  app.inject({ method: 'GET', url, headers: cookie === undefined ? {} : { cookie } });

describe('sign-in', () => {
  it('sends a page without a session to sign in, and back to it afterwards', async () => {
    const { app } = await seeded();
    const page = await get(app, '/ui/schedulers/service-a-eod');
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/ui/login?next=%2Fui%2Fschedulers%2Fservice-a-eod');
    const form = await get(app, String(page.headers.location));
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('value="/ui/schedulers/service-a-eod"');
    expect(form.body).toContain('name="key" type="password"');
  });

  it('sets an HttpOnly, SameSite=Strict cookie that names the key, never holds it, and is signed', async () => {
    const { app } = await seeded();
    const response = await app.inject({
      method: 'POST',
      url: '/ui/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      payload: new URLSearchParams({ key: READ_KEY, next: '/ui/incidents' }).toString(),
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/ui/incidents');
    const setCookie = String(response.headers['set-cookie']);
    expect(setCookie).toMatch(
      /^schedmon_session=v1\.\d+\.[\w-]+\.[\w-]+; Path=\/ui; Max-Age=3600; HttpOnly; SameSite=Strict$/,
    );
    expect(setCookie).not.toContain(READ_KEY);
    expect(setCookie).not.toContain(sha256(READ_KEY).toString('hex'));
    const cookie = setCookie.split(';')[0] ?? '';
    expect((await get(app, '/ui/boards', cookie)).statusCode).toBe(200);
    // Any change to the cookie ends the session.
    const [name, value = ''] = cookie.split('=');
    const parts = value.split('.');
    const forged = [
      `${name}=${parts[0]}.${Number(parts[1]) + 3600}.${parts[2]}.${parts[3]}`,
      `${name}=${parts[0]}.${parts[1]}.${Buffer.from('key-00000000').toString('base64url')}.${parts[3]}`,
      `${name}=${value.slice(0, -2)}AA`,
      `${name}=${value}.x`,
      `${name}=`,
    ];
    for (const bad of forged) {
      expect((await get(app, '/ui/boards', bad)).statusCode, bad).toBe(303);
    }
  });

  it('ends a session at its expiry (rotation and removal: src/ui/session.test.ts)', async () => {
    const fixture = await seeded();
    const cookie = await signIn(fixture.app, READ_KEY);
    fixture.clock.advance(3_600_000);
    expect((await get(fixture.app, '/ui/boards', cookie)).statusCode).toBe(303);
  });

  it('refuses a wrong key with the form again, counts it, and locks the address out after too many', async () => {
    const { app } = await seeded();
    const attempt = (key: string) =>
      app.inject({
        method: 'POST',
        url: '/ui/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
        payload: new URLSearchParams({ key }).toString(),
      });
    const wrong = await attempt('not-a-key');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('That key is not one this api knows.');
    expect(wrong.headers['set-cookie']).toBeUndefined();
    for (let i = 0; i < 29; i += 1) await attempt(`wrong-${i}`);
    const locked = await attempt(READ_KEY);
    expect(locked.statusCode).toBe(429);
    expect(locked.headers['retry-after']).toBeDefined();
  });

  it.each([
    ['no Origin', {}],
    ['another site', { origin: 'https://evil.example' }],
    ['a lookalike', { origin: `${ORIGIN}.evil.example` }],
  ])('refuses a sign-in form from %s', async (_name, extra) => {
    const { app } = await seeded();
    const response = await app.inject({
      method: 'POST',
      url: '/ui/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...extra },
      payload: new URLSearchParams({ key: READ_KEY }).toString(),
    });
    expect(response.statusCode).toBe(403);
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(response.headers['content-type']).toContain('text/html');
  });

  it('accepts the Origin of UI_PUBLIC_URL, and makes the cookie Secure behind https', async () => {
    const { app } = await seeded(uiOptions({ publicUrl: 'https://schedmon.example.com/' }));
    const response = await app.inject({
      method: 'POST',
      url: '/ui/login',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://schedmon.example.com',
      },
      payload: new URLSearchParams({ key: READ_KEY }).toString(),
    });
    expect(response.statusCode).toBe(303);
    expect(String(response.headers['set-cookie'])).toContain('; Secure');
  });

  it.each([
    ['//evil.example/ui/x'],
    ['https://evil.example/'],
    ['/ui/\\evil'],
    ['/api/v1/schedulers'],
  ])('never sends a signed-in browser off the dashboard (next=%s)', async (next) => {
    const { app } = await seeded();
    const response = await app.inject({
      method: 'POST',
      url: '/ui/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      payload: new URLSearchParams({ key: READ_KEY, next }).toString(),
    });
    expect(response.headers.location).toBe('/ui/boards');
  });

  it('signs out: the cookie is cleared, and the form needs the Origin too', async () => {
    const { app } = await seeded();
    const cookie = await signIn(app, READ_KEY);
    const foreign = await app.inject({ method: 'POST', url: '/ui/logout', headers: { cookie } });
    expect(foreign.statusCode).toBe(403);
    const out = await app.inject({
      method: 'POST',
      url: '/ui/logout',
      headers: { cookie, origin: ORIGIN },
    });
    expect(out.statusCode).toBe(303);
    expect(String(out.headers['set-cookie'])).toContain('schedmon_session=; Path=/ui; Max-Age=0');
  });
});

describe('the Boards page', () => {
  it('shows the table as Slack does, problems first, and producer text only as text', async () => {
    const { app } = await seeded();
    const cookie = await signIn(app, READ_KEY);
    const page = await get(app, '/ui/boards', cookie);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).not.toContain(XSS);
    expect(page.body).not.toMatch(/<img/i);
    expect(page.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    const failed = page.body.indexOf('data-scheduler="service-b-eod"');
    const completed = page.body.indexOf('data-scheduler="service-a-eod"');
    expect(failed).toBeGreaterThan(0);
    expect(completed).toBeGreaterThan(failed);
    expect(page.body).toContain('❌ Failed');
    expect(page.body).toContain('✅ Completed');
    expect(page.body).toContain('href="/ui/schedulers/service-b-eod"');
    expect(page.body).toContain('Signed in as <strong>reader</strong>');
    expect(page.body).not.toContain(READ_KEY);
  });

  it('shows a key limited to some schedulers only those', async () => {
    const { app } = await seeded();
    const cookie = await signIn(app, SERVICE_A_KEY);
    const page = await get(app, '/ui/boards', cookie);
    expect(page.body).toContain('data-scheduler="service-a-eod"');
    expect(page.body).not.toContain('service-b-eod');
    const other = await get(app, '/ui/schedulers/service-b-eod', cookie);
    expect(other.statusCode).toBe(403);
    expect(other.body).not.toContain(XSS);
  });
});

describe('the Scheduler page', () => {
  it('pages the history older and back, each row once, newest first', async () => {
    const fixture = await seeded();
    for (let i = 0; i < 60; i += 1) {
      await applyStatus(fixture, {
        id: 'service-a-report',
        status: i % 2 === 0 ? 'running' : 'completed',
        at: minutesAgo(100 - i),
        ...(i % 2 === 1 ? { ms: 60_000 } : {}),
        job: 'Job service-a-report',
      });
    }
    const cookie = await signIn(fixture.app, READ_KEY);
    const times = (body: string) =>
      [...body.matchAll(/<td data-label="Time">([^<]+)<\/td>/g)].map((match) => match[1] ?? '');
    const link = (body: string, label: string) => {
      const found = new RegExp(`<a href="([^"]+)#history">${label}</a>`).exec(body)?.[1];
      return found?.replaceAll('&amp;', '&');
    };
    const pages: string[][] = [];
    let url: string | undefined = '/ui/schedulers/service-a-report';
    const bodies: string[] = [];
    while (url !== undefined) {
      const page = await get(fixture.app, url, cookie);
      expect(page.statusCode, page.body).toBe(200);
      pages.push(times(page.body));
      bodies.push(page.body);
      url = link(page.body, 'Older');
    }
    expect(pages.map((page) => page.length)).toEqual([25, 25, 10]);
    expect(new Set(pages.flat()).size).toBeGreaterThan(1);
    expect(pages.flat()).toHaveLength(60);
    expect(link(bodies[0] ?? '', 'Newer')).toBeUndefined();
    // Back from the last page: the middle page, then the first, exactly.
    const back = link(bodies[2] ?? '', 'Newer');
    const middle = await get(fixture.app, back ?? '', cookie);
    expect(times(middle.body)).toEqual(pages[1]);
    const top = await get(fixture.app, link(middle.body, 'Newer') ?? '', cookie);
    expect(times(top.body)).toEqual(pages[0]);
    expect(link(top.body, 'Newer')).toBeUndefined();
  });

  it.each([
    ['/ui/schedulers/service-a-eod?after=%3Cscript%3E', 400],
    ['/ui/schedulers/service-a-eod?before=2026', 400],
    ['/ui/schedulers/no-such-scheduler', 404],
    [`/ui/schedulers/${'x'.repeat(300)}`, 400],
    ['/ui/incidents?kind=nope', 400],
    ['/ui/incidents?date=2026-13-99x', 400],
    ['/ui/incidents?board=nope', 404],
    ['/ui/nope', 404],
  ])('answers %s with an HTML error page (%i)', async (url, status) => {
    const { app } = await seeded();
    const cookie = await signIn(app, READ_KEY);
    const page = await get(app, url, cookie);
    expect(page.statusCode).toBe(status);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<h1>');
    expect(page.body).not.toContain('<script>');
  });
});

describe('Acknowledge from the page', () => {
  it('acknowledges with write and Origin, recorded as the dashboard key, and only then', async () => {
    const fixture = await seeded();
    const id = await openIncident(fixture, 'service-b-eod', {
      eventId: 'fail-1',
      at: minutesAgo(20),
    });
    const url = `/ui/incidents/${encodeURIComponent(id)}/acknowledge`;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };

    const reader = await signIn(fixture.app, READ_KEY);
    const readerPage = await get(fixture.app, `/ui/incidents/${encodeURIComponent(id)}`, reader);
    expect(readerPage.body).not.toContain('>Acknowledge<');
    const refused = await fixture.app.inject({
      method: 'POST',
      url,
      headers: { ...form, cookie: reader, origin: ORIGIN },
      payload: '',
    });
    expect(refused.statusCode).toBe(403);

    const writer = await signIn(fixture.app, WRITE_KEY);
    const writerPage = await get(fixture.app, `/ui/incidents/${encodeURIComponent(id)}`, writer);
    expect(writerPage.body).toContain('Acknowledge<span');
    const foreign = await fixture.app.inject({
      method: 'POST',
      url,
      headers: { ...form, cookie: writer, origin: 'https://evil.example' },
      payload: '',
    });
    expect(foreign.statusCode).toBe(403);
    expect((await fixture.incidents.incident(id, NOW))?.state).toBe('open');

    const done = await fixture.app.inject({
      method: 'POST',
      url,
      headers: { ...form, cookie: writer, origin: ORIGIN },
      payload: '',
    });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe(`/ui/incidents/${encodeURIComponent(id)}?done=acknowledged`);
    const stored = await fixture.incidents.incident(id, NOW);
    expect(stored).toMatchObject({ state: 'acknowledged', acknowledged_by: 'ui:writer' });
    const box = await fixture.incidents.box('service-b-eod', NOW);
    expect(box?.box.outbox.map((entry) => entry.delivery.type)).toContain('reply');

    const list = await get(fixture.app, '/ui/incidents', writer);
    expect(list.body).toContain('<span class="state-acknowledged">Acknowledged</span>');
    expect(list.body).toContain('ui:writer');
  });

  it('a full key acknowledges from the Incidents page and comes back to it', async () => {
    const fixture = await seeded();
    const id = await openIncident(fixture, 'service-a-eod', {
      eventId: 'fail-2',
      at: minutesAgo(5),
    });
    const cookie = await signIn(fixture.app, FULL_KEY);
    const done = await fixture.app.inject({
      method: 'POST',
      url: `/ui/incidents/${encodeURIComponent(id)}/acknowledge`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: ORIGIN },
      payload: new URLSearchParams({ return: '/ui/incidents?kind=failed' }).toString(),
    });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/ui/incidents?kind=failed');
  });
});

describe('edges', () => {
  it('pages an exact multiple of the page size with no empty page, and leads an empty one back', async () => {
    const fixture = await seeded();
    for (let i = 0; i < 50; i += 1) {
      await applyStatus(fixture, {
        id: 'service-a-report',
        status: 'running',
        at: minutesAgo(100 - i),
        job: 'Job service-a-report',
      });
    }
    const cookie = await signIn(fixture.app, READ_KEY);
    const link = (body: string, label: string) =>
      new RegExp(`<a href="([^"]+)#history">${label}</a>`)
        .exec(body)?.[1]
        ?.replaceAll('&amp;', '&');
    const rows = (body: string) => body.match(/<td data-label="Time">/g)?.length ?? 0;
    const first = await get(fixture.app, '/ui/schedulers/service-a-report', cookie);
    expect(rows(first.body)).toBe(25);
    const second = await get(fixture.app, link(first.body, 'Older') ?? '', cookie);
    expect(rows(second.body)).toBe(25);
    expect(link(second.body, 'Older')).toBeUndefined();
    const back = await get(fixture.app, link(second.body, 'Newer') ?? '', cookie);
    expect(rows(back.body)).toBe(25);
    expect(link(back.body, 'Newer')).toBeUndefined();
    expect(link(back.body, 'Older')).toBe(link(first.body, 'Older'));
    const past = await get(
      fixture.app,
      `/ui/schedulers/service-a-report?after=${encodeURIComponent('2020-01-01T00:00:00.000Z#ev-0')}`,
      cookie,
    );
    expect(rows(past.body)).toBe(0);
    expect(link(past.body, 'Newer')).toBe('/ui/schedulers/service-a-report');
  });

  it('never puts a return address with characters a Location header cannot carry', async () => {
    const { app } = await seeded();
    for (const next of ['/ui/boardsā', '/ui/boards x', '/ui/\u0000']) {
      const response = await app.inject({
        method: 'POST',
        url: '/ui/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
        payload: new URLSearchParams({ key: READ_KEY, next }).toString(),
      });
      expect(response.statusCode, next).toBe(303);
      expect(response.headers.location).toBe('/ui/boards');
    }
  });

  it('reloads once, same-site, when a link from another site (Slack) arrives without the cookie', async () => {
    const { app } = await seeded();
    const navigation = {
      'sec-fetch-site': 'cross-site',
      'sec-fetch-mode': 'navigate',
      'sec-fetch-dest': 'document',
    };
    const page = await app.inject({
      method: 'GET',
      url: '/ui/schedulers/service-a-eod',
      headers: navigation,
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(
      '<meta http-equiv="refresh" content="0; url=/ui/schedulers/service-a-eod">',
    );
    const hop = String(page.headers['set-cookie']).split(';')[0] ?? '';
    expect(hop).toBe('schedmon_hop=1');
    // Once only: with the marker the next arrival goes to sign in, never round again.
    const again = await app.inject({
      method: 'GET',
      url: '/ui/schedulers/service-a-eod',
      headers: { ...navigation, cookie: hop },
    });
    expect(again.statusCode).toBe(303);
    const script = await app.inject({
      method: 'GET',
      url: '/ui/schedulers/service-a-eod',
      headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' },
    });
    expect(script.statusCode).toBe(303);
    const same = await app.inject({
      method: 'GET',
      url: '/ui/schedulers/service-a-eod',
      headers: { 'sec-fetch-site': 'same-origin' },
    });
    expect(same.statusCode).toBe(303);
  });
});

describe('a key limited to some schedulers', () => {
  async function limited() {
    const fixture = await seeded();
    await fixture.boards.put(
      boardOf(
        'secret-board',
        {
          title: 'Payroll Project Falcon',
          slack_channel_id: 'C0SECRET',
          timezone: 'UTC',
          window_start: '00:00',
          window_end: '06:00',
          members: { scheduler_ids: ['service-b-*'] },
        },
        NOW,
      ),
      NOW,
    );
    await openIncident(fixture, 'service-b-eod', { eventId: 'fail-b', at: minutesAgo(20) });
    return { ...fixture, cookie: await signIn(fixture.app, SERVICE_A_KEY) };
  }

  it('sees neither another team’s board nor its incidents, reports or CSV', async () => {
    const { app, cookie } = await limited();
    for (const url of ['/ui/boards', '/ui/incidents', '/ui/reports', '/ui/reports?board=default']) {
      const page = await get(app, url, cookie);
      expect(page.statusCode, url).toBe(200);
      expect(page.body, url).not.toContain('Falcon');
      expect(page.body, url).not.toContain('secret-board');
      expect(page.body, url).not.toContain('service-b-eod');
    }
    for (const url of [
      '/ui/reports?board=secret-board',
      '/ui/reports?scheduler=service-b-eod',
      '/ui/reports.csv?board=secret-board',
      '/ui/reports.csv?scheduler=service-b-eod',
      '/ui/incidents?board=secret-board',
    ]) {
      const page = await get(app, url, cookie);
      expect(page.statusCode, url).toBe(404);
      expect(page.body, url).not.toContain('Falcon');
    }
    const csv = await get(app, '/ui/reports.csv?board=default&days=30&table=runs', cookie);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body).not.toContain('service-b-eod');
  });

  it('gets only its own rows on the live stream', async () => {
    const { app, cookie } = await limited();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const controller = new AbortController();
    const answer = await fetch(`http://127.0.0.1:${port}/ui/events?view=boards`, {
      headers: { cookie },
      signal: controller.signal,
    });
    expect(answer.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = answer.body?.getReader();
    let text = '';
    while (!text.includes('\n\n', text.indexOf('event: fragment'))) {
      const chunk = await reader?.read();
      if (chunk === undefined || chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    controller.abort();
    expect(text).toContain('event: fragment');
    expect(text).toContain('service-a-eod');
    expect(text).not.toContain('service-b-eod');
    expect(text).not.toContain('Falcon');
    // Every line of an event is a field: no line of producer text can end the event early.
    const event = text.slice(text.indexOf('event: fragment'));
    for (const line of event.split('\n').filter((l) => l !== '')) {
      expect(line).toMatch(/^(event|data): /);
    }
  });
});

describe('reports', () => {
  it('exports the runs as CSV with formula text defused', async () => {
    const fixture = await seeded();
    await applyStatus(fixture, {
      id: 'service-a-eod',
      status: 'running',
      at: minutesAgo(12),
      job: 'Job service-a-eod',
    });
    await applyStatus(fixture, {
      id: 'service-a-eod',
      status: 'failed',
      at: minutesAgo(10),
      error: '=HYPERLINK("http://x")',
      job: 'Job service-a-eod',
    });
    const cookie = await signIn(fixture.app, READ_KEY);
    const csv = await get(
      fixture.app,
      '/ui/reports.csv?scheduler=service-a-eod&days=7&table=runs',
      cookie,
    );
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-disposition']).toBe(
      'attachment; filename="schedmon-service-a-eod-7d-runs.csv"',
    );
    expect(csv.body.split('\r\n')[0]).toBe(
      'scheduler_id,outcome,expected_at,started_at,ended_at,duration_ms,on_time,delay_ms,run_id,error_message',
    );
    expect(csv.body).toContain(`"'=HYPERLINK(""http://x"")"`);
    const page = await get(fixture.app, '/ui/reports?scheduler=service-a-eod&days=7', cookie);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Failure rate');
    expect(page.body).toContain('=HYPERLINK(&quot;http://x&quot;)');
  });

  it.each([
    ['/ui/reports?days=14', 400],
    ['/ui/reports?board=nope', 404],
    ['/ui/reports.csv?table=everything', 400],
  ])('answers %s with %i', async (url, status) => {
    const { app } = await seeded();
    const cookie = await signIn(app, READ_KEY);
    expect((await get(app, url, cookie)).statusCode).toBe(status);
  });

  it('answers the CSV without a session with 401, not a sign-in page', async () => {
    const { app } = await seeded();
    expect((await get(app, '/ui/reports.csv?board=default')).statusCode).toBe(401);
  });
});

describe('limits', () => {
  it('answers past UI_RATE_LIMIT_PER_MINUTE with a 429 page, assets not counted', async () => {
    const { app } = await seeded(uiOptions({ rateLimitPerMinute: 5 }));
    const cookie = await signIn(app, READ_KEY);
    const page = await get(app, '/ui/boards', cookie);
    const asset = /<link rel="stylesheet" href="([^"]+)">/.exec(page.body)?.[1] ?? '';
    for (let i = 0; i < 10; i += 1) expect((await get(app, asset, cookie)).statusCode).toBe(200);
    const codes: number[] = [];
    for (let i = 0; i < 6; i += 1) codes.push((await get(app, '/ui/boards', cookie)).statusCode);
    expect(codes.filter((code) => code === 200).length).toBeLessThanOrEqual(4);
    const limited = await get(app, '/ui/boards', cookie);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(limited.headers['retry-after']).toBeDefined();
  });
});
