/**
 * An EOD window (in UTC) around now, as env for an app or `schedmon status`, so the
 * statuses a test just reported count as tonight's whatever the hour the suite runs at:
 * one reported outside the window and its look-back shows as "Pending".
 */
export function windowAroundNow(): Record<string, string> {
  const start = new Date(Date.now() - 30 * 60_000);
  const hhmm = (date: Date) => date.toISOString().slice(11, 16);
  return {
    EOD_TIMEZONE: 'UTC',
    EOD_WINDOW_START: hhmm(start),
    EOD_WINDOW_END: hhmm(new Date(start.getTime() + 2 * 3_600_000)),
  };
}
