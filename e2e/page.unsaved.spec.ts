// Report edits and measurements are not dropped unawares: with some not yet copied or downloaded, a new film, a
// re-run or leaving the page asks first. In the page, focus sits on "Keep it"; "Download .txt, then go on" saves the
// edited report with its measurements and opens the new film; once saved, nothing asks.
import { readFileSync } from 'node:fs';
import { expect, type Page, test } from '@playwright/test';
import { axeViolations, radiograph, serveTinyModel, waitForReport } from './pageHelpers';
import { dragAcross } from './viewerHelpers';

test.use({ serviceWorkers: 'block' });
test.beforeEach(async ({ context }) => {
  await serveTinyModel(context);
});

async function editImpression(page: Page, text: string): Promise<void> {
  await page.getByRole('button', { name: 'Edit text' }).click();
  await page.getByTestId('impression-text').fill(text);
  await page.getByRole('button', { name: 'Grounding' }).click(); // back to the words, so a new draft shows them
}

const editedBadge = (page: Page) => page.getByTestId('report').locator('.badge', { hasText: 'Edited' });

test('a new film asks before it replaces unsaved edits and measurements; Keep it keeps them, saving goes on', async ({ page }) => {
  await page.goto('/?device=wasm');
  await page.getByTestId('file-input').setInputFiles(radiograph('jsrt/JPCLN002.png'));
  await waitForReport(page);
  await editImpression(page, 'Small left apical nodule.');
  await page.getByRole('button', { name: 'Measure' }).click();
  await dragAcross(page, [0.3, 0.5], [0.7, 0.5]);
  await expect(page.getByTestId('measurement')).toHaveCount(1);

  await page.getByTestId('file-input').setInputFiles(radiograph('kermany/IM-0115-0001.jpeg'));
  const prompt = page.getByRole('alertdialog', { name: 'Replace this study with the new images?' });
  await expect(prompt).toContainText('Your edits to the report and 1 measurement have not been copied or downloaded.');
  await expect(prompt.getByRole('button', { name: 'Keep it' })).toBeFocused();
  expect(await axeViolations(page), 'the prompt').toEqual([]);
  await page.keyboard.press('Enter');
  await expect(prompt).toHaveCount(0);
  await expect(page.locator('.file-name')).toHaveText('JPCLN002.png');
  await expect(editedBadge(page)).toBeVisible();
  await expect(page.getByTestId('measurement')).toHaveCount(1);

  await page.getByTestId('file-input').setInputFiles(radiograph('kermany/IM-0115-0001.jpeg'));
  const [txt] = await Promise.all([page.waitForEvent('download'), prompt.getByRole('button', { name: 'Download .txt, then go on' }).click()]);
  const saved = readFileSync((await txt.path())!, 'utf8');
  expect(saved).toContain('IMPRESSION:\nSmall left apical nodule.\n');
  expect(saved).toMatch(/MEASUREMENTS .*\n- JPCLN002\.png \(frontal\) 1: \d+ px/);
  await waitForReport(page);
  await expect(page.locator('.file-name')).toHaveText('IM-0115-0001.jpeg');
  await expect(page.getByTestId('measurement')).toHaveCount(0);
});

test('a re-run asks only about edits; measurements stay with the film; once downloaded nothing asks', async ({ page }) => {
  await page.goto('/?device=wasm');
  await page.getByTestId('file-input').setInputFiles(radiograph('jsrt/JPCLN002.png'));
  await waitForReport(page);
  const rerun = page.getByRole('region', { name: 'Self-refinement' }).getByRole('button', { name: 'Re-run' });
  // A measurement alone: a re-run keeps it, so nothing asks.
  await page.getByRole('button', { name: 'Measure' }).click();
  await dragAcross(page, [0.3, 0.5], [0.7, 0.5]);
  await rerun.click();
  await waitForReport(page);
  await expect(page.getByRole('alertdialog')).toHaveCount(0);
  await expect(page.getByTestId('measurement')).toHaveCount(1);

  await editImpression(page, 'Edited impression.');
  await rerun.click();
  const prompt = page.getByRole('alertdialog', { name: 'Write a new draft in place of this one?' });
  await expect(prompt).toContainText('Your edits to the report have not been copied or downloaded.');
  await page.keyboard.press('Enter'); // Keep it: focus goes back to Re-run
  await expect(prompt).toHaveCount(0);
  await expect(rerun).toBeFocused();
  await rerun.click();
  await prompt.getByRole('button', { name: 'Go on without saving' }).focus();
  await page.keyboard.press('Escape'); // Escape keeps it too
  await expect(prompt).toHaveCount(0);
  await expect(editedBadge(page)).toBeVisible();
  await rerun.click();
  await prompt.getByRole('button', { name: 'Go on without saving' }).click();
  await waitForReport(page);
  await expect(editedBadge(page)).toHaveCount(0);

  await editImpression(page, 'Edited again.');
  await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download .txt' }).click()]);
  await rerun.click();
  await waitForReport(page);
  await expect(page.getByRole('alertdialog')).toHaveCount(0);
});

test('leaving the page with unsaved edits asks the browser’s question; after a download it does not', async ({ page, context }) => {
  await page.goto('/?device=wasm');
  await page.getByTestId('file-input').setInputFiles(radiograph('jsrt/JPCLN002.png'));
  await waitForReport(page);
  await editImpression(page, 'Edited impression.');
  const asked = new Promise<string>((resolve) => page.once('dialog', (d) => void d.dismiss().then(() => resolve(d.type()))));
  await page.close({ runBeforeUnload: true });
  expect(await asked).toBe('beforeunload');
  expect(page.isClosed()).toBe(false);

  await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download .txt' }).click()]);
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs++;
    void d.accept();
  });
  await page.close({ runBeforeUnload: true });
  await expect.poll(() => page.isClosed()).toBe(true);
  expect(dialogs).toBe(0);
  expect(context.pages()).toHaveLength(0);
});
