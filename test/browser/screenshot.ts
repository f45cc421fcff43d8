// Screenshots a report page with Debian's Chromium, e.g. for the README:
//   node --import tsx test/browser/screenshot.ts report.html docs/report.png [height] [light|dark] [width]
// The height (CSS px, default 1800) crops a full-page shot so the image stays small; the width (CSS px,
// default 1400) is the browser window's.
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
const [page = 'report.html', out = 'report.png', heightArg = '1800', scheme = 'light', widthArg = '1400'] = args;
const width = Number(widthArg);
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
    viewport: { width, height: 900 },
    colorScheme: scheme === 'dark' ? 'dark' : 'light',
  });
  await tab.goto(pathToFileURL(page).href, { waitUntil: 'load' });
  const full = await tab.$eval('html', (html) => html.scrollHeight);
  const height = Math.min(full, Number(heightArg));
  await tab.screenshot({ path: out, clip: { x: 0, y: 0, width, height }, fullPage: true });
  console.log(`${out}: ${width}x${height} of ${full} px`);
} finally {
  await browser.close();
}
