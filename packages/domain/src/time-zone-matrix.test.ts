import { describe, expect, it } from 'vitest';

// The root vitest config runs this package's tests once per host time zone; this checks
// the pin took effect, so a green run really covered both zones.
describe('host time zone of this run', () => {
  it('is one of the pinned zones, and the process honours it', () => {
    const zone = process.env.TZ;
    expect(['UTC', 'America/New_York']).toContain(zone);
    expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe(zone);
    const januaryOffset = new Date('2026-01-15T12:00:00Z').getTimezoneOffset();
    expect(januaryOffset).toBe(zone === 'UTC' ? 0 : 300);
  });
});
