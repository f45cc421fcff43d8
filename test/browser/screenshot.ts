// Screenshots a report page with Debian's Chromium, e.g. for the README:
//   node --import tsx test/browser/screenshot.ts report.html docs/report.png [height] [light|dark]
// The height (CSS px, default 1800) crops a full-page shot so the image stays small.
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const [page = 'report.html', out = 'report.png', heightArg = '1800', scheme = 'light'] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
  ],
});
try {
  const tab = await browser.newPage({
    viewport: { width: 1200, height: 900 },
    colorScheme: scheme === 'dark' ? 'dark' : 'light',
  });
  await tab.goto(pathToFileURL(page).href, { waitUntil: 'load' });
  const full = await tab.$eval('html', (html) => html.scrollHeight);
  const height = Math.min(full, Number(heightArg));
  await tab.screenshot({ path: out, clip: { x: 0, y: 0, width: 1200, height }, fullPage: true });
  console.log(`${out}: 1200x${height} of ${full} px`);
} finally {
  await browser.close();
}
