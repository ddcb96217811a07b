/** Debian's Chromium for the browser tests: where it is, and how the tests start it on this machine. */
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `Browser tests skipped: no Chromium at ${CHROMIUM}. Install it with 'apt-get install chromium' ` +
      '(or set CHROMIUM_PATH).',
  );
}

/**
 * The browser runs on the real clock even when the suite runs under libfaketime (npm run test:clock):
 * Chromium stalls with the library preloaded. Pages that need another instant set it with page.clock;
 * the tracker's events carry sentAt, so the server corrects the browser's clock as it would a visitor's.
 */
function realClockEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && name !== 'LD_PRELOAD' && !name.startsWith('FAKETIME')) env[name] = value;
  }
  return env;
}

/** Without the background-networking flags Chromium keeps dialling out, which this machine refuses. */
export const CHROMIUM_LAUNCH = {
  executablePath: CHROMIUM,
  env: realClockEnv(),
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};
