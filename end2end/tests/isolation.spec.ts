import { test, expect } from './fixtures/test';
import { ExercisePage } from './fixtures/exercise-page';

test('two browser contexts do not see each other\'s progress', async ({ browser }) => {
  const alice = await browser.newContext();
  const bob = await browser.newContext();
  try {
    const a = new ExercisePage(await alice.newPage());
    const b = new ExercisePage(await bob.newPage());
    await a.open();
    await a.waitForHydration();
    await a.generateVerifier();
    await a.calculateHash();

    await b.open();
    await b.expectStatus('verifier', 'current');
    await b.expectStatus('challenge', 'locked');
    expect(await b.clientId()).not.toBe(await a.clientId());

    await a.page.reload();
    await a.expectStatus('challenge', 'passed');
  } finally {
    await alice.close();
    await bob.close();
  }
});

test('the practice app toggle answers in place when hydrated', async ({ page }) => {
  const errors: Error[] = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto('/practice/app');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 15_000 });
  await page.getByRole('button', { name: 'Allow refresh tokens' }).click();
  await expect(page.getByTestId('refresh-grant')).toHaveAttribute('data-enabled', 'true');
  await page.goto('/exercises/refresh');
  await expect(page.getByTestId('refresh-toggle-state')).toContainText('Refresh tokens are on');
  expect(errors).toEqual([]);
});
