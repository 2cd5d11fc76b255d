import { describe, expect, it } from 'vitest';
import { acknowledgeAlert } from './acknowledge.ts';
import { alertKey, newAlert } from './alerts.ts';
import { DEFAULT_EOD_CONFIG } from './eod.ts';
import { NotifierError, ValidationError } from './errors.ts';
import { renderFailureAlert } from './failure-alert-message.ts';
import {
  createMemoryAcknowledgementStore,
  createMemoryAlertStore,
  createMemoryNotifier,
} from './fakes.ts';
import { at, iso } from './test-helpers.ts';

// 01:55 WIB on the night of 2026-01-15 (the default window is in Asia/Jakarta).
const CLICK = at('2026-01-14T18:55:00.000Z');
const FAILED = '2026-01-14T18:42:00.000Z';
const NIGHT = '2026-01-15';

async function setup() {
  const alerts = createMemoryAlertStore();
  const acknowledgements = createMemoryAcknowledgementStore();
  const notifier = createMemoryNotifier();
  const input = {
    scheduler: {
      scheduler_id: 'job-a',
      service_name: 'Service A',
      job_name: 'EOD',
      timestamp: FAILED,
      execution_time_ms: null,
      error_message: 'disk full',
      alert_user_id: null,
    },
    eventId: 'e1',
    timeZone: DEFAULT_EOD_CONFIG.timeZone,
    zoneLabel: 'WIB',
  };
  const ref = await notifier.post(renderFailureAlert(input));
  const alert = newAlert(
    {
      schedulerId: 'job-a',
      eventId: 'e1',
      message: renderFailureAlert(input),
      input,
      failedAt: FAILED,
    },
    FAILED,
  );
  await alerts.create({ ...alert, state: 'sent', ref }, Math.floor(CLICK / 1000) + 86_400, FAILED);
  const deps = { alerts, acknowledgements, notifier, eod: DEFAULT_EOD_CONFIG };
  const click = (userId: string, now = CLICK) =>
    acknowledgeAlert(deps, { schedulerId: 'job-a', eventId: 'e1', userId, now, ref });
  return { deps, notifier, acknowledgements, ref, click, input };
}

describe('acknowledgeAlert', () => {
  it("records the first click for the failure's night and redraws the alert acknowledged", async () => {
    const { click, acknowledgements, notifier, ref, input } = await setup();
    const first = { scheduler_id: 'job-a', event_id: 'e1', user_id: 'U0ACK', at: iso(CLICK) };
    expect(await click('U0ACK')).toEqual({
      recorded: true,
      acknowledgement: first,
      redraw: 'redrawn',
    });
    expect(await acknowledgements.list(NIGHT, iso(CLICK))).toEqual([first]);
    expect(notifier.read(ref)).toEqual(
      renderFailureAlert({ ...input, acknowledgement: { userId: 'U0ACK', at: iso(CLICK) } }),
    );

    // A second click changes nothing recorded, and redraws as the first click left it.
    const second = await click('U0OTHER', CLICK + 60_000);
    expect(second).toEqual({ recorded: false, acknowledgement: first, redraw: 'redrawn' });
    expect(await acknowledgements.list(NIGHT, iso(CLICK))).toEqual([first]);
  });

  it('keeps the acknowledgement when the redraw fails, and skips it without a message', async () => {
    const { click, deps, notifier } = await setup();
    notifier.failNext(new NotifierError('message_not_found', false));
    expect((await click('U0ACK')).redraw).toEqual({ failed: 'message_not_found' });
    expect(
      await deps.acknowledgements.get(NIGHT, alertKey('job-a', 'e1'), iso(CLICK)),
    ).toMatchObject({ user_id: 'U0ACK' });
    const unknown = await acknowledgeAlert(deps, {
      schedulerId: 'job-b',
      eventId: 'e9',
      userId: 'U0ACK',
      now: CLICK,
      ref: undefined,
    });
    expect(unknown).toMatchObject({ recorded: true, redraw: 'skipped' });
  });

  it('records the click when the alert item cannot be read, and skips the redraw', async () => {
    const { deps, ref } = await setup();
    const unreadable = {
      ...deps,
      alerts: {
        ...deps.alerts,
        get: async () => {
          throw new ValidationError(['not an alert item']);
        },
      },
    };
    const result = await acknowledgeAlert(unreadable, {
      schedulerId: 'job-a',
      eventId: 'e1',
      userId: 'U0ACK',
      now: CLICK,
      ref,
    });
    expect(result).toMatchObject({ recorded: true, redraw: 'skipped' });
    expect(
      await deps.acknowledgements.get(NIGHT, alertKey('job-a', 'e1'), iso(CLICK)),
    ).toMatchObject({ user_id: 'U0ACK' });
  });
});
