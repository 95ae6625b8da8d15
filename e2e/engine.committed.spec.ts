// The committed model gives the same draft in Node (onnxruntime-web WASM, as the eval and report CLIs can run it),
// in the page on WASM and in the page on WebGPU (SwiftShader here: correctness only), on three real radiographs.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { defaultModelDir } from '../src/engine/node/defaultModelDir';
import { createNodeEngine } from '../src/engine/node/nodeEngine';
import { cxrImages, radiograph, waitForReport } from './pageHelpers';

const IMAGES = ['covid_qu/COVID-1.jpg', 'kermany/IM-0115-0001.jpeg', 'jsrt/JPCLN005.png'];

test.use({ serviceWorkers: 'block' });
test.setTimeout(600_000);

async function nodeCandidates(): Promise<string[][]> {
  const engine = await createNodeEngine({ backends: ['wasm'] });
  await engine.load({ modelUrl: defaultModelDir(), device: 'wasm' });
  const out: string[][] = [];
  for (const rel of IMAGES) {
    const bytes = readFileSync(path.join(cxrImages, rel));
    const res = await engine.generateFiles([{ name: rel, bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) }]);
    out.push(res.candidates.map((c) => c.text));
  }
  await engine.dispose();
  return out;
}

async function pageCandidates(page: Page, device: 'wasm' | 'webgpu'): Promise<string[][]> {
  await page.goto(`/?device=${device}`);
  const out: string[][] = [];
  const candidates = page.locator('.candidates tbody td.candidate-text');
  for (const rel of IMAGES) {
    const previous = out.at(-1) ?? [];
    await page.getByTestId('file-input').setInputFiles(radiograph(rel));
    await waitForReport(page);
    // the three images have different drafts: wait until this image's candidates have replaced the last ones
    await expect.poll(async () => {
      const now = await candidates.allInnerTexts();
      return now.length > 0 && JSON.stringify(now) !== JSON.stringify(previous);
    }, { timeout: 300_000 }).toBe(true);
    await expect(page.getByTestId('backend')).toContainText(`Backend: ${device.toUpperCase()}`);
    out.push(await candidates.allInnerTexts());
  }
  return out;
}

test('Node WASM, page WASM and page WebGPU give the same candidates for the committed model', async ({ page }) => {
  const inNode = await nodeCandidates();
  expect(inNode.every((c) => c.length > 0 && c[0].split(' ').length > 8)).toBe(true);
  expect(await pageCandidates(page, 'wasm')).toEqual(inNode);
  expect(await pageCandidates(page, 'webgpu')).toEqual(inNode);
});
