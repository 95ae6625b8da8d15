// Backends: the same image gives the same report on WebGPU (SwiftShader here) and on WASM; a running draft can be
// cancelled; the switch in the page re-loads the model on the other backend, keeps the study, and records ?device= in
// the URL.
import { expect, test } from '@playwright/test';
import { radiograph, screenshot, serveTinyModel, waitForReport } from './pageHelpers';

test.use({ serviceWorkers: 'block' });

async function draftText(page: import('@playwright/test').Page): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text a reader sees is what must agree
  return `${await page.getByTestId('grounded-findings').innerText()}\n${await page.getByTestId('grounded-impression').innerText()}`;
}

test('WebGPU and WASM give the same report, and the switch re-loads on the other backend', async ({ page, context }) => {
  await serveTinyModel(context);
  await page.goto('/?device=webgpu');
  await page.getByTestId('file-input').setInputFiles(radiograph('covid_qu/COVID-1.jpg'));
  await waitForReport(page);
  await expect(page.getByTestId('backend')).toContainText('Backend: WEBGPU');
  const onWebGpu = await draftText(page);
  const candidatesWebGpu = await page.locator('.candidates tbody td.candidate-text').allInnerTexts();

  // A running draft can be cancelled, and drafted again (WebGPU on SwiftShader drafts slowly enough to click Cancel).
  await page.getByRole('region', { name: 'Self-refinement' }).getByRole('button', { name: 'Re-run' }).click();
  await expect(page.getByTestId('streaming-draft')).toContainText(/\w+ \w+/);
  await page.getByTestId('run-progress').getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('report-placeholder')).toHaveText('Drafting was cancelled.');
  await page.getByRole('button', { name: 'Draft again' }).click();
  await waitForReport(page);
  expect(await draftText(page)).toBe(onWebGpu);

  await page.locator('summary', { hasText: 'Backend and timings' }).click();
  await expect(page.getByTestId('timings')).toContainText('on WEBGPU');
  await page.getByRole('button', { name: 'Switch to WASM (CPU)' }).click();
  await expect(page.getByTestId('backend')).toContainText('Backend: WASM', { timeout: 60_000 });
  await waitForReport(page);
  await expect(page.getByTestId('timings')).toContainText('on WASM');
  expect(new URL(page.url()).searchParams.get('device')).toBe('wasm');
  expect(await draftText(page)).toBe(onWebGpu);
  expect(await page.locator('.candidates tbody td.candidate-text').allInnerTexts()).toEqual(candidatesWebGpu);
  await screenshot(page, '30-backend-switch');
});
