// The built page as shipped, no test routes: with a model installed in public/models (the trained one,
// once it has landed) it finds it through models/index.json and drafts a report for a real radiograph on
// WASM; with none installed it says how to install one.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { radiograph, repoRoot, screenshot, waitForReport, watchErrors, watchExternal } from './pageHelpers';

const indexPath = path.join(repoRoot, 'dist/models/index.json');

test.use({ serviceWorkers: 'block' });

test('the shipped build drafts with its installed model, or says how to install one', async ({ page, context }) => {
  test.setTimeout(240_000);
  const errors = watchErrors(page);
  const external = watchExternal(context);
  await page.goto('/?device=wasm');
  if (!existsSync(indexPath)) {
    await expect(page.getByTestId('model-error')).toContainText('No model is installed: run npm run export');
    expect(errors).toEqual([]);
    return;
  }
  const index = JSON.parse(readFileSync(indexPath, 'utf8')) as { default: string };
  await page.getByTestId('file-input').setInputFiles(radiograph('covid_qu/COVID-10.jpg'));
  await waitForReport(page);
  await page.locator('summary', { hasText: 'Backend and timings' }).click();
  await expect(page.getByTestId('backend-panel')).toContainText(index.default);
  expect(await page.getByTestId('report-word').count()).toBeGreaterThan(3);
  await page.getByTestId('report-word').first().hover();
  await screenshot(page, '40-installed-model');
  expect(errors).toEqual([]);
  expect(external).toEqual([]);
});
