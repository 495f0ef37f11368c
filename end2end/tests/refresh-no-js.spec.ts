import { test, expect } from './fixtures/test';

test.use({ javaScriptEnabled: false });

test.describe('with JavaScript off, plain form posts do everything', () => {
  test('a learner completes steps 1-3', async ({ exercise, page }) => {
    await exercise.open();
    await expect(page.locator('html')).not.toHaveAttribute('data-hydrated', 'true');
    await exercise.expectStatus('verifier', 'current');

    const verifier = await exercise.generateVerifier();
    expect(new URL(page.url()).hash).toBe('#step-verifier');
    await exercise.pasteChallenge(verifier);
    await expect(exercise.finding('challenge', 'challenge.match')).toContainText('plain');

    const challenge = await exercise.calculateHash();
    const url = await exercise.buildUrl(challenge);
    await exercise.checkUrl(url);
    await exercise.expectStatus('authorization-url', 'passed');
    await expect(page.getByTestId('login-link')).toHaveAttribute('href', url);
    await expect(page.getByTestId('token-command')).toContainText('code_verifier=' + verifier);
  });

  test('Reset clears the progress', async ({ exercise }) => {
    await exercise.open();
    await exercise.generateVerifier();
    await exercise.reset();
    await exercise.expectStatus('verifier', 'current');
    await exercise.expectStatus('challenge', 'locked');
  });

  test('the practice application toggle works as a form', async ({ page }) => {
    await page.goto('/practice/app');
    await expect(page.getByTestId('refresh-grant')).toHaveAttribute('data-enabled', 'false');
    await page.getByRole('button', { name: 'Allow refresh tokens' }).click();
    await expect(page.getByTestId('refresh-grant')).toHaveAttribute('data-enabled', 'true');
    await page.getByTestId('client-secret').locator('summary').click();
    await expect(page.getByTestId('client-secret-value')).toBeVisible();
  });

  test('a paste over 64 KiB gets a page that says so', async ({ exercise, page }) => {
    await exercise.open();
    await page.getByRole('textbox', { name: 'Code Verifier', exact: true }).fill('A'.repeat(70 * 1024));
    await page.getByRole('button', { name: 'Check Your Verifier' }).click();
    await expect(page.getByRole('alert')).toHaveText('The request body is larger than 64 KiB.');
    await expect(page.getByText('Nothing was changed.')).toBeVisible();
  });

  test('a page action that fails says why on the page it returns to', async ({ page }) => {
    await page.goto('/practice/app');
    // A form post the page itself would never send: the server function refuses it.
    await page.evaluate(() => {
      const input = document.querySelector<HTMLInputElement>('form input[name="enabled"]');
      if (input) input.value = 'maybe';
    });
    await page.getByRole('button', { name: 'Allow refresh tokens' }).click();
    await expect(page.locator('.error-box[role="alert"]')).toBeVisible();
    await expect(page.getByTestId('refresh-grant')).toHaveAttribute('data-enabled', 'false');
  });
});
