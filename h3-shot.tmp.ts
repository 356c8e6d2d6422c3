import { buildApp } from './src/app.js';
import { refreshCoverage } from './src/pilotage/use-cases/coverage.js';
import { launchChromium, assertAccessible } from './test/support/browser.js';
import { openTestPlatform } from './test/support/platform.js';
import { buildWorld } from './test/support/world.js';
const platform = await openTestPlatform('pglite');
await buildWorld(platform.db);
await refreshCoverage(platform.db);
const app = await buildApp(platform);
await app.listen({ port: 0, host: '127.0.0.1' });
const a = app.server.address();
const base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
const browser = await launchChromium();
for (const [w, h] of [[360, 740], [1280, 900]]) {
  const ctx = await browser.newContext({ viewport: { width: w, height: h }, bypassCSP: true, javaScriptEnabled: true });
  const page = await ctx.newPage();
  for (const url of ['/pilotage/couverture', '/pilotage/couverture/44']) {
    await page.goto(base + url);
    try { await assertAccessible(page); console.log('axe ok', w, url); } catch (e) { console.log(String(e).slice(0, 1500)); }
    console.log('width', await page.evaluate(() => document.documentElement.scrollWidth));
    await page.screenshot({ path: `/tmp/h3-${w}-${url.replace(/\//g, '_')}.png`, fullPage: false });
  }
  if (w === 360) { await page.goto(base + '/pilotage/couverture'); await page.locator('#carte-france').scrollIntoViewIfNeeded(); const box = await page.locator('#dep-44').boundingBox(); const cx = box!.x + box!.width / 2, cy = box!.y + box!.height / 2; console.log(box, await page.evaluate(([x, y]) => { const e = document.elementFromPoint(x, y); const f = document.querySelector('.ni-map-frame')!.getBoundingClientRect(); const i = document.querySelector('#carte-france')!.getBoundingClientRect(); const o = document.querySelector('.ni-map-links')!.getBoundingClientRect(); return [e?.outerHTML.slice(0, 120), e?.parentElement?.outerHTML.slice(0, 120), JSON.stringify(f), JSON.stringify(i), JSON.stringify(o)]; }, [cx, cy])); }
  if (w === 1280) { await page.goto(base + '/pilotage/couverture'); await page.locator('#carte-france').screenshot({ path: '/tmp/h3-map.png' }); await page.goto(base + '/pilotage/couverture/44'); await page.locator('#carte-departement').screenshot({ path: '/tmp/h3-map44.png' }); }
  await ctx.close();
}
await browser.close(); await app.close(); await platform.dispose();
