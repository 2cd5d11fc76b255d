/**
 * A real browser for the dashboard's tests and screenshots: the system's Chromium driven
 * by playwright-core, and the checks every page gets (axe, no sideways scrolling).
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { chromiumPath } from './chromium.ts';

/**
 * Launches the system's Chromium, headless. `--no-sandbox`: these machines run the tests
 * as root, where Chromium's sandbox refuses to start. Close it (`browser.close()`) in
 * `afterAll`: the leak check fails a file that leaves its process behind.
 * Failure: throws when there is no Chromium (`chromiumPath`), rejects when it cannot start.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox'],
    headless: true,
  });
}

/** One axe rule a page breaks, with the elements that break it (their CSS selectors). */
export type AccessibilityViolation = {
  id: string;
  impact: 'serious' | 'critical';
  help: string;
  targets: string[];
};

/**
 * Runs axe on the page as it is now and returns the violations of impact `serious` or
 * `critical`, so `expect(await seriousAccessibilityViolations(page)).toEqual([])` names
 * what is wrong. The page must come from `browser.newContext()` then `context.newPage()`:
 * axe refuses one from `browser.newPage()`.
 */
export async function seriousAccessibilityViolations(
  page: Page,
): Promise<AccessibilityViolation[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.flatMap((violation) =>
    violation.impact === 'serious' || violation.impact === 'critical'
      ? [
          {
            id: violation.id,
            impact: violation.impact,
            help: violation.help,
            targets: violation.nodes.map((node) => node.target.join(' ')),
          },
        ]
      : [],
  );
}

/** Whether the page scrolls sideways (its content is wider than the viewport). */
export function hasHorizontalScroll(page: Page): Promise<boolean> {
  // A string: this package is compiled without the DOM's types.
  return page.evaluate<boolean>(
    'document.documentElement.scrollWidth > document.documentElement.clientWidth',
  );
}
