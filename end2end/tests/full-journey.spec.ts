import { test, expect } from './fixtures/test';
import { parseCurl } from './fixtures/curl';

test('a learner completes the whole exercise through the practice server', async ({ exercise, page }) => {
  // The seeds' first instruction: allow refresh tokens for the application.
  await page.goto('/practice/app');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 15_000 });
  await page.getByRole('button', { name: 'Allow refresh tokens' }).click();
  await expect(page.getByTestId('refresh-grant')).toHaveAttribute('data-enabled', 'true');

  await exercise.open();
  await exercise.waitForHydration();
  await exercise.generateVerifier();
  const challenge = await exercise.calculateHash();
  const url = await exercise.buildUrl(challenge);
  await exercise.checkUrl(url);
  await exercise.expectStatus('authorization-url', 'passed');

  // Log In: the practice server's consent page, then the example app's /redirect.
  await page.getByTestId('login-link').click();
  await expect(page.getByTestId('consent')).toContainText('offline_access');
  await page.getByRole('button', { name: 'Allow' }).click();
  await expect(page).toHaveURL(/\/redirect\?/);
  await expect(page.getByTestId('redirect-state')).toHaveText('q8Zr2LmN4vXa');
  const code = (await page.getByTestId('redirect-code').textContent())?.trim() ?? '';
  expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);

  // The token exchange, exactly as the page's curl command says.
  await exercise.open();
  await exercise.waitForHydration();
  const tokenCommand = parseCurl((await page.getByTestId('token-command-full').textContent()) ?? '');
  expect(tokenCommand.form.code).toBe('YOUR_AUTHORIZATION_CODE');
  tokenCommand.form.code = code;
  const tokenResponse = await page.request.post(tokenCommand.url, { form: tokenCommand.form });
  expect(tokenResponse.status()).toBe(200);
  const tokenJson = await tokenResponse.text();
  await page.getByRole('textbox', { name: 'Token Response', exact: true }).fill(tokenJson);
  await exercise.step('token-response').getByRole('button', { name: 'Check Your Response' }).click();
  await exercise.expectStatus('token-response', 'passed');
  await expect(exercise.finding('token-response', 'token.issued')).toBeVisible();

  // The refresh, as the refresh command says.
  const refreshCommand = parseCurl((await page.getByTestId('refresh-command-full').textContent()) ?? '');
  refreshCommand.form.refresh_token = JSON.parse(tokenJson).refresh_token;
  const refreshResponse = await page.request.post(refreshCommand.url, { form: refreshCommand.form });
  expect(refreshResponse.status()).toBe(200);
  await page.getByRole('textbox', { name: 'Refresh Token Response', exact: true }).fill(await refreshResponse.text());
  await exercise.step('refresh-response').getByRole('button', { name: 'Check Your Response' }).click();
  await exercise.expectStatus('refresh-response', 'passed');
  await expect(page.getByTestId('completed')).toHaveText("You've completed the exercise!");
});
