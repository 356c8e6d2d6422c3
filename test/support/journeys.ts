import type { Page } from 'playwright-core';
import type { Config } from '../../src/config.js';
import { DEMO_PASSWORD, seedDemo } from '../../src/demo/seed.js';
import { buildApp } from '../../src/app.js';
import { launchChromium, signIn } from './browser.js';
import { openTestPlatform } from './platform.js';

type TestPlatform = Awaited<ReturnType<typeof openTestPlatform>>;

export interface Journeys {
  platform: TestPlatform;
  baseUrl: string;
  /** A fresh browser context, signed in with a demo account when an e-mail is given. */
  pageAs(email: string | null, viewport?: { width: number; height: number }, options?: { javaScript?: boolean; strictCsp?: boolean }): Promise<Page>;
  close(): Promise<void>;
}

/**
 * What every journey file needs: the demo territory (plus the file's own set-up), the app listening on a free
 * port, and Debian's Chromium.
 */
export async function startJourneys(prepare?: (platform: TestPlatform) => Promise<void>, config: Partial<Config> = {}): Promise<Journeys> {
  const platform = await openTestPlatform();
  await seedDemo(platform.db);
  await prepare?.(platform);
  const app = await buildApp({ ...platform, config: { ...platform.config, ...config } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const browser = await launchChromium();
  return {
    platform,
    baseUrl,
    async pageAs(email, viewport = { width: 1280, height: 900 }, options = {}) {
      // bypassCSP lets the test inject axe-core; the pages themselves keep their strict policy (strictCsp: the browser
      // enforces it, to catch what it would block).
      const context = await browser.newContext({ viewport, bypassCSP: !options.strictCsp, acceptDownloads: true, javaScriptEnabled: options.javaScript ?? true });
      const page = await context.newPage();
      if (email) await signIn(page, baseUrl, email, DEMO_PASSWORD);
      return page;
    },
    async close() {
      await browser.close();
      await app.close();
      await platform.dispose();
    },
  };
}
