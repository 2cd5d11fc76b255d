/**
 * Slack's request signing (https://api.slack.com/authentication/verifying-requests-from-slack):
 * HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the signing secret, compared in constant
 * time, and a timestamp no more than 5 minutes away from now (replays are refused).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const REPLAY_WINDOW_SECONDS = 5 * 60;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function signatureOf(secret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** Whether a request really comes from Slack; the reason is for the log, not the caller. */
export function verifySlackSignature(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  rawBody: string,
  nowMs: number,
): SignatureCheck {
  const timestamp = headers['x-slack-request-timestamp'];
  const signature = headers['x-slack-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string') {
    return { ok: false, reason: 'missing signature headers' };
  }
  const seconds = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || Math.abs(nowMs / 1000 - seconds) > REPLAY_WINDOW_SECONDS) {
    return { ok: false, reason: 'timestamp outside the 5-minute window' };
  }
  const expected = Buffer.from(signatureOf(secret, timestamp, rawBody));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'signature mismatch' };
  }
  return { ok: true };
}
