// `npx tsx tools/icons.ts`: renders the app icons the web app manifest names (public/icons/*.png) from
// public/favicon.svg with Debian's Chromium: 192 and 512 px as drawn, and a 512 px maskable one whose glyph
// sits inside the central 80 % safe zone on a full-bleed background. Run after changing the favicon.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { REPO_ROOT } from './cli/paths';

const svg = readFileSync(path.join(REPO_ROOT, 'public/favicon.svg'), 'utf8');
const background = /fill="(#[0-9a-f]{3,6})"/i.exec(svg)?.[1] ?? '#12263a';

const icons = [
  { file: 'icon-192.png', size: 192, maskable: false },
  { file: 'icon-512.png', size: 512, maskable: false },
  { file: 'icon-maskable-512.png', size: 512, maskable: true },
];

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  for (const { file, size, maskable } of icons) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    const inner = maskable ? Math.round(size * 0.7) : size;
    const body =
      `<body style="margin:0;width:${size}px;height:${size}px;display:grid;place-items:center;background:${maskable ? background : 'transparent'}">` +
      `<img src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}" width="${inner}" height="${inner}"></body>`;
    await page.setContent(body);
    await page.screenshot({ path: path.join(REPO_ROOT, 'public/icons', file), omitBackground: !maskable });
    await page.close();
    console.log(`public/icons/${file}: ${size}×${size}${maskable ? ' (maskable)' : ''}`);
  }
} finally {
  await browser.close();
}
