import { test, expect } from './fixtures/test';
import { copyFrom, runInTerminal } from './fixtures/terminal';

// The Copy buttons write to the clipboard, and the test reads it back.
test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

test('a learner completes the exercise with only what the pages show', async ({ exercise, page }) => {
  await exercise.open();
  await exercise.waitForHydration();

  // The seeds' first instruction, on the exercise page itself.
  await expect(page.getByTestId('refresh-toggle-state')).toContainText('off');
  await page.getByTestId('refresh-toggle').click();
  await expect(page.getByTestId('refresh-toggle-state')).toContainText('Refresh tokens are on');

  await exercise.generateVerifier();
  const challenge = await exercise.calculateHash();

  // Step 3: the URL template as copied, with its placeholders replaced by the values
  // this page shows.
  const template = await copyFrom(page, exercise.step('authorization-url').locator('.code-block').first());
  const shown = exercise.step('authorization-url').locator('dl.values dd');
  const url = template
    .replace(/\s+/g, '')
    .replace('{YOUR_CLIENT_ID}', await exercise.clientId())
    .replace('{RANDOM_STRING}', 'q8Zr2LmN4vXa')
    .replace('{YOUR_REDIRECT_URI}', encodeURIComponent(((await shown.nth(1).textContent()) ?? '').trim()))
    .replace('{YOUR_CODE_CHALLENGE}', challenge);
  await exercise.checkUrl(url);
  await exercise.expectStatus('authorization-url', 'passed');
  await expect(exercise.finding('authorization-url', 'url.refresh_tokens_off')).toHaveCount(0);

  // Log In: the consent page says a refresh token will come; then the redirect page.
  await page.getByTestId('login-link').click();
  await expect(page.getByTestId('consent-receives')).toContainText('a refresh token');
  await page.getByRole('button', { name: 'Allow' }).click();
  await expect(page).toHaveURL(/\/redirect\?/);
  await expect(page.getByTestId('redirect-state')).toHaveText('q8Zr2LmN4vXa');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 15_000 });

  // The exchange command as copied from the redirect page, run as it is.
  const exchange = await copyFrom(page, page.getByTestId('token-command'));
  expect(exchange).not.toContain('YOUR_');
  expect(exchange).not.toContain('••••');
  const tokenJson = runInTerminal(exchange);
  expect(JSON.parse(tokenJson).refresh_token).toBeTruthy();

  await page.getByRole('link', { name: 'the exercise' }).click();
  await exercise.waitForHydration();
  await page.getByRole('textbox', { name: 'Token Response', exact: true }).fill(tokenJson);
  await exercise.step('token-response').getByRole('button', { name: 'Check Your Response' }).click();
  await exercise.expectStatus('token-response', 'passed');
  await expect(exercise.finding('token-response', 'token.issued')).toBeVisible();

  // Step 5: Copy fills in the refresh token from step 4's box, in the browser.
  const refresh = await copyFrom(page, page.getByTestId('refresh-command'));
  expect(refresh).not.toContain('YOUR_');
  const refreshJson = runInTerminal(refresh);
  await page.getByRole('textbox', { name: 'Refresh Token Response', exact: true }).fill(refreshJson);
  await exercise.step('refresh-response').getByRole('button', { name: 'Check Your Response' }).click();
  await exercise.expectStatus('refresh-response', 'passed');
  await expect(page.getByTestId('completed')).toHaveText("You've completed the exercise!");
});

test('Deny on the consent page is explained on the redirect page', async ({ exercise, page }) => {
  await exercise.open();
  await exercise.waitForHydration();
  await exercise.generateVerifier();
  const challenge = await exercise.calculateHash();
  await exercise.checkUrl(await exercise.buildUrl(challenge));
  // Refresh tokens are still off: step 3 passes with a warning, and the consent page says so.
  await expect(exercise.finding('authorization-url', 'url.refresh_tokens_off')).toContainText('turn them on');
  await page.getByTestId('login-link').click();
  await expect(page.getByTestId('consent-receives')).toContainText('no refresh token');
  await page.getByRole('button', { name: 'Deny' }).click();
  await expect(page.getByTestId('redirect-error')).toContainText('error=access_denied');
  await expect(page.getByTestId('redirect-advice')).toContainText('clicked Deny');
});
