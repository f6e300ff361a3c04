import { existsSync } from 'node:fs';
import assert from 'node:assert/strict';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, or CHROMIUM_PATH. */
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const haveChromium = existsSync(chromiumPath);
const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

/**
 * Headless, and quiet on this machine's closed network: without the background-networking flags Chromium
 * keeps trying to reach Google's hosts, and every attempt is refused.
 */
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--mute-audio',
];

/**
 * A test's skip reason when there is no Chromium outside CI (after a banner saying what is not tested);
 * false otherwise. In CI a missing browser is a failure (`launchChromium`), not a skip.
 */
export function skipWithoutChromium(what: string): string | false {
  if (haveChromium || inCi) return false;
  const bar = '!'.repeat(100);
  console.error(
    `\n${bar}\n!! BROWSER TEST SKIPPED: no Chromium at ${chromiumPath}.\n!! ${what} NOT tested on this machine. Install Debian's package\n` +
      `!! (apt-get install chromium) or set CHROMIUM_PATH to a Chromium/Chrome binary. In CI this test fails instead.\n${bar}\n`,
  );
  return `no Chromium at ${chromiumPath} (set CHROMIUM_PATH or apt-get install chromium)`;
}

/** Launches it, or fails the test saying what .ci/run must install. */
export async function launchChromium(): Promise<Browser> {
  assert.ok(haveChromium, `CI is set and there is no Chromium at ${chromiumPath}: .ci/run must install Debian's chromium (or set CHROMIUM_PATH)`);
  try {
    return await chromium.launch({ executablePath: chromiumPath, args: LAUNCH_ARGS, timeout: 20_000 });
  } catch (err) {
    return assert.fail(`could not launch ${chromiumPath}: ${(err as Error).message}`);
  }
}
