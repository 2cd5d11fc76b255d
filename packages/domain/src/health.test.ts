import { describe, expect, it } from 'vitest';
import type { ComponentCheck } from './health.ts';
import { summarizeReadiness } from './health.ts';

const check = (status: ComponentCheck['status']): ComponentCheck => ({
  status,
  message: status,
  lastChecked: '2026-01-15T01:00:00.000Z',
});

describe('summarizeReadiness', () => {
  it('is healthy when every component is up', () => {
    expect(summarizeReadiness({ dynamodb: check('up'), sqs: check('up') }).status).toBe('healthy');
  });

  it('is unhealthy when a required component is down', () => {
    expect(summarizeReadiness({ dynamodb: check('down'), sqs: check('up') }).status).toBe(
      'unhealthy',
    );
  });

  it('is only degraded when Slack is down', () => {
    const report = summarizeReadiness({
      dynamodb: check('up'),
      sqs: check('up'),
      slack: check('down'),
    });
    expect(report.status).toBe('degraded');
    expect(report.components.slack?.status).toBe('down');
  });

  it('is degraded when a required component is degraded', () => {
    expect(summarizeReadiness({ dynamodb: check('degraded') }).status).toBe('degraded');
  });
});
