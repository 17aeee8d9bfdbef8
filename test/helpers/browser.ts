/**
 * Debian's headless Chromium for tests that look at pages swprune writes. CI installs it
 * (.ci/run) and sets SWPRUNE_BROWSER_TESTS=required, so there a missing browser fails the
 * test; elsewhere those tests are skipped when /usr/bin/chromium is absent.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const browserRequired = process.env.SWPRUNE_BROWSER_TESTS === 'required';
export const browserAvailable = existsSync(CHROMIUM);

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The DOM of a local HTML file after Chromium has loaded and rendered it. */
export function renderedDom(file: string): string {
  return execFileSync(CHROMIUM, [...FLAGS, `--user-data-dir=${mkdtempSync(join(tmpdir(), 'chromium-'))}`, '--dump-dom', `file://${file}`], {
    encoding: 'utf8',
    timeout: 60_000,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

/** A PNG screenshot of a local HTML file. */
export function screenshot(file: string, png: string, size = '1200,1600'): void {
  execFileSync(
    CHROMIUM,
    [
      ...FLAGS,
      `--user-data-dir=${mkdtempSync(join(tmpdir(), 'chromium-'))}`,
      `--screenshot=${png}`,
      `--window-size=${size}`,
      `file://${file}`,
    ],
    {
      timeout: 60_000,
      stdio: 'ignore',
    },
  );
}
