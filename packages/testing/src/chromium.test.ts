import { describe, expect, it } from 'vitest';
import type { ChromiumHost } from './chromium.ts';
import { chromiumPath, chromiumPlan } from './chromium.ts';

/** A host where exactly `executables` exist. */
function host(
  executables: string[],
  overrides: Partial<Omit<ChromiumHost, 'isExecutable'>> = {},
): ChromiumHost {
  const present = new Set(executables);
  return {
    override: undefined,
    pathDirectories: ['/usr/local/bin', '/usr/bin'],
    isExecutable: (path) => present.has(path),
    uid: 0,
    ...overrides,
  };
}

describe('chromiumPlan', () => {
  it('uses chromium from the PATH, in PATH order, before /usr/bin/chromium', () => {
    expect(chromiumPlan(host(['/usr/local/bin/chromium', '/usr/bin/chromium']))).toEqual({
      action: 'use',
      path: '/usr/local/bin/chromium',
    });
    expect(chromiumPlan(host(['/usr/bin/chromium'], { pathDirectories: ['/opt/bin'] }))).toEqual({
      action: 'use',
      path: '/usr/bin/chromium',
    });
  });

  it('uses CHROMIUM_PATH alone when it is set', () => {
    expect(
      chromiumPlan(
        host(['/usr/bin/chromium', '/opt/chrome/chrome'], { override: '/opt/chrome/chrome' }),
      ),
    ).toEqual({ action: 'use', path: '/opt/chrome/chrome' });
  });

  it('fails on a CHROMIUM_PATH that is not there, without installing anything', () => {
    const plan = chromiumPlan(
      host(['/usr/bin/chromium', '/usr/bin/apt-get'], { override: '/opt/missing' }),
    );
    expect(plan).toMatchObject({ action: 'fail' });
    expect(plan.action === 'fail' && plan.message).toContain('CHROMIUM_PATH is /opt/missing');
  });

  it('installs Debian’s chromium with apt-get when missing and root', () => {
    expect(chromiumPlan(host(['/usr/bin/apt-get']))).toEqual({
      action: 'install',
      commands: [
        ['/usr/bin/apt-get', 'update', '-qq'],
        ['/usr/bin/apt-get', 'install', '-y', '-qq', 'chromium'],
      ],
    });
  });

  it.each([
    ['not root', host(['/usr/bin/apt-get'], { uid: 1000 }), 'needs root'],
    ['no user ids', host(['/usr/bin/apt-get'], { uid: undefined }), 'needs root'],
    ['no apt-get', host([]), 'no apt-get'],
  ])('fails, naming the package and CHROMIUM_PATH, with %s', (_case, given, reason) => {
    const plan = chromiumPlan(given);
    if (plan.action !== 'fail') throw new Error(`expected a failure, got ${plan.action}`);
    expect(plan.message).toContain(reason);
    expect(plan.message).toContain('"chromium" package');
    expect(plan.message).toContain('CHROMIUM_PATH');
  });
});

describe('chromiumPath', () => {
  it('finds the Chromium of this machine (the test command installs it)', () => {
    expect(chromiumPath()).toMatch(/chrom/);
  });
});
