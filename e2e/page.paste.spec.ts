// Pasting a radiograph (a PACS viewer's "Copy image", a screenshot) anywhere on the page drafts it as a drop would;
// a paste into the report editor stays the editor's and leaves the study alone. Chromium with the random tiny model.
import { expect, test, type Page } from '@playwright/test';
import { radiograph, serveTinyModel, waitForReport, watchErrors } from './pageHelpers';

test.use({ serviceWorkers: 'block' });

/** A paste event carrying one image file, dispatched where the person's focus is (the body when nothing has it).
 *  Returns whether the page took it (called preventDefault, which the page does only for a paste it drafts). */
async function pasteImage(page: Page, file: { name: string; mimeType: string; buffer: Buffer }, selector?: string): Promise<boolean> {
  return page.evaluate(
    ({ b64, name, type, selector }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name, { type }));
      const target = selector ? document.querySelector(selector)! : document.body;
      return !target.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    },
    { b64: file.buffer.toString('base64'), name: file.name, type: file.mimeType, selector },
  );
}

test('a pasted image is drafted; a paste into the report editor does not replace the study', async ({ page, context }) => {
  await serveTinyModel(context);
  const errors = watchErrors(page);
  await page.goto('/?device=wasm');
  await expect(page.getByText('or paste a copied image')).toBeVisible();
  expect(await pasteImage(page, { ...radiograph('jsrt/JPCLN001.png'), name: 'image.png' })).toBe(true); // what a copied image is called
  await waitForReport(page);
  await expect(page.getByTestId('image-view')).toContainText('image.png');

  await page.getByRole('button', { name: 'Edit text' }).click();
  await page.getByTestId('findings-text').focus();
  expect(await pasteImage(page, { ...radiograph('kermany/IM-0115-0001.jpeg'), name: 'other.jpeg' }, '[data-testid="findings-text"]')).toBe(false);
  await expect(page.getByTestId('findings-text')).toBeVisible();
  await expect(page.getByTestId('image-view')).toContainText('image.png');
  await expect(page.getByTestId('image-view')).not.toContainText('other.jpeg');
  expect(errors).toEqual([]);
});
