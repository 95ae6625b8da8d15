// The page as a keyboard or screen-reader user meets it, checked by axe-core (WCAG 2.x A/AA and best practice) in
// every state a radiologist passes through with the committed model: the empty page with its panels open, a draft
// with the self-refinement's candidates and a second-look flag whose lesion map is pinned, the text editor, the
// measuring tool, two views waiting for a view choice, a refused file, a withheld draft, and a narrow window, where
// the candidates table scrolls sideways from the keyboard; and the dark reading-room theme's colours in those states.
import { expect, type Page, test } from '@playwright/test';
import { axeViolations as violations, radiograph, referralLetter, waitForReport } from './pageHelpers';

test.use({ serviceWorkers: 'block' });
test.setTimeout(300_000);

async function openAllDetails(page: Page): Promise<void> {
  await page.locator('details').evaluateAll((all) => {
    for (const d of all) (d as HTMLDetailsElement).open = true;
  });
}

test('no accessibility violations from the empty page through a draft, its candidates, the second look, editing and measuring', async ({ page }) => {
  await page.goto('/?device=wasm');
  await expect(page.getByTestId('backend')).toContainText('WASM');
  await openAllDetails(page);
  expect(await violations(page), 'the empty page').toEqual([]);

  // A JSRT train film whose draft is normal and whose second look flags the nodule, with a map to pin.
  await page.getByTestId('file-input').setInputFiles(radiograph('jsrt/JPCLN001.png'));
  await waitForReport(page);
  await openAllDetails(page);
  await expect(page.getByTestId('candidates')).toBeVisible();
  await page.getByTestId('second-look-map').click();
  await expect(page.getByTestId('second-look-map')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('not-read-mark').first()).toBeVisible();
  expect(await violations(page), 'a draft with its candidates, "not read" marks and a pinned second-look map').toEqual([]);

  await page.getByRole('button', { name: 'Edit text' }).click();
  await expect(page.getByTestId('findings-text')).toBeVisible();
  expect(await violations(page), 'the draft being edited').toEqual([]);

  await page.getByRole('button', { name: 'Measure' }).click();
  await expect(page.getByTestId('measure-status')).toBeVisible();
  expect(await violations(page), 'measuring').toEqual([]);
});

test('no accessibility violations when the page waits for a view choice, refuses a file or withholds a draft', async ({ page, context }) => {
  await page.goto('/?device=wasm');
  await page.getByTestId('file-input').setInputFiles([radiograph('jsrt/JPCLN001.png'), radiograph('kermany/IM-0115-0001.jpeg')]);
  await expect(page.getByText('Say which image is the frontal view and which the lateral')).toBeVisible({ timeout: 60_000 });
  expect(await violations(page), 'two views, no view chosen').toEqual([]);

  await page.getByTestId('file-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
  await expect(page.getByRole('alert').first()).toBeVisible();
  expect(await violations(page), 'a refused file').toEqual([]);

  await page.getByTestId('file-input').setInputFiles(await referralLetter(context));
  await waitForReport(page);
  await expect(page.getByTestId('withheld-draft')).toBeVisible();
  expect(await violations(page), 'a withheld draft').toEqual([]);
});

test('in a narrow window the candidates table scrolls sideways from the keyboard, and nothing is violated', async ({ page }) => {
  await page.setViewportSize({ width: 560, height: 900 });
  await page.goto('/?device=wasm');
  await page.getByTestId('file-input').setInputFiles(radiograph('jsrt/JPCLN001.png'));
  await waitForReport(page);
  await openAllDetails(page);
  expect(await violations(page), 'a draft at 560 px').toEqual([]);

  const table = page.getByRole('region', { name: 'Candidates table' });
  const scroll = () => table.evaluate((e) => ({ left: e.scrollLeft, overflow: e.scrollWidth - e.clientWidth }));
  expect((await scroll()).overflow).toBeGreaterThan(0);
  await table.focus();
  await expect(table).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect.poll(async () => (await scroll()).left).toBeGreaterThan(0);
});

test('the dark reading-room theme: remembered, following the system when asked, and no violations (contrast included)', async ({ page, context }) => {
  const theme = (): Promise<string | undefined> => page.evaluate(() => document.documentElement.dataset.theme);
  const panelBackground = (): Promise<string> => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/?device=wasm');
  expect(await theme()).toBe('light'); // "Match system", the default, on a light system
  const light = await panelBackground();
  await page.getByLabel('Theme').selectOption('dark');
  expect(await theme()).toBe('dark');
  expect(await panelBackground()).not.toBe(light);

  await page.getByTestId('file-input').setInputFiles(radiograph('jsrt/JPCLN001.png'));
  await waitForReport(page);
  await openAllDetails(page);
  await page.getByTestId('second-look-map').click();
  await expect(page.getByTestId('not-read-mark').first()).toBeVisible(); // its dashed mark and note are in the check
  await expect(page.getByTestId('unassessed-note')).toBeVisible();
  expect(await violations(page), 'dark: a draft with its candidates, "not read" marks and a pinned second-look map').toEqual([]);
  await page.getByRole('button', { name: 'Edit text' }).click();
  await page.getByTestId('impression-text').fill('Nodule, right mid zone.');
  expect(await violations(page), 'dark: the draft being edited').toEqual([]);

  await page.getByTestId('file-input').setInputFiles(await referralLetter(context));
  await expect(page.getByRole('alertdialog')).toBeVisible(); // the edited draft is not dropped unasked
  expect(await violations(page), 'dark: the replace prompt').toEqual([]);
  await page.getByRole('button', { name: 'Go on without saving' }).click();
  await waitForReport(page);
  await expect(page.getByTestId('withheld-draft')).toBeVisible();
  expect(await violations(page), 'dark: a withheld draft').toEqual([]);

  // Remembered on this machine; back to "Match system", it follows the system's setting as it changes.
  await page.reload();
  expect(await theme()).toBe('dark');
  await expect(page.getByLabel('Theme')).toHaveValue('dark');
  await page.getByLabel('Theme').selectOption('system');
  expect(await theme()).toBe('light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect.poll(theme).toBe('dark');
  await page.reload();
  expect(await theme()).toBe('dark');
});
