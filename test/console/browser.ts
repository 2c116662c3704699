import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';

/** Debian's chromium (.ci/run installs it); playwright-core drives it, no browser is downloaded. */
export const CHROMIUM = process.env.XENKIT_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SHOTS = `${ROOT}test-output/console/`;

/**
 * Why the browser tests cannot run here, or undefined when they can. Outside CI a missing chromium
 * skips them (with this reason); with CI=true it fails them.
 */
export function noBrowser(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const why = `${CHROMIUM} is missing (apt-get install chromium)`;
  if (process.env.CI === 'true') throw new Error(`console browser tests cannot run in CI: ${why}`);
  return why;
}

/** Build the console bundle into dist/console/ (esbuild, under a second) so the tests see the sources' state. */
export function buildConsole(): void {
  execFileSync(process.execPath, [`${ROOT}scripts/build-console.mjs`], { stdio: ['ignore', 'ignore', 'inherit'] });
}

export async function launch(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: ['--disable-gpu', '--disable-dev-shm-usage'], timeout: 60_000 });
}

/**
 * Every error the page reports (console.error, uncaught exceptions, failed requests): the tests assert
 * none. A request aborted on purpose (a reload, the event long poll stopped at logout) is not an error.
 */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => r.failure()?.errorText !== 'net::ERR_ABORTED' && errors.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`));
  return errors;
}

/** A screenshot of the app's content (not the empty viewport below it) into test-output/console/. */
export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const shell = page.locator('.shell');
  if (await shell.count()) await shell.screenshot({ path: `${SHOTS}${name}.png` });
  else await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
}

export async function logIn(page: Page, url: string, password: string): Promise<void> {
  await page.goto(url + '/');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'VMs' }).waitFor();
}
