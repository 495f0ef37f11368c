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
});
