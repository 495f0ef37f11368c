import { test, expect } from './fixtures/test';
import { runInTerminal } from './fixtures/terminal';

test.use({ javaScriptEnabled: false });

test('with JavaScript off, a learner gets through with the page controls and the commands as shown', async ({
  exercise,
  page,
}) => {
  await exercise.open();
  await page.getByTestId('refresh-toggle').click();
  await expect(page.getByTestId('refresh-toggle-state')).toContainText('Refresh tokens are on');

  const verifier = await exercise.generateVerifier();
  const challenge = await exercise.calculateHash();
  await exercise.checkUrl(await exercise.buildUrl(challenge));
  await exercise.expectStatus('authorization-url', 'passed');
  await expect(exercise.finding('authorization-url', 'url.refresh_tokens_off')).toHaveCount(0);
  await expect(page.getByTestId('token-command')).toContainText('code_verifier=' + verifier);

  await page.getByTestId('login-link').click();
  await page.getByRole('button', { name: 'Allow' }).click();
  await expect(page).toHaveURL(/\/redirect\?/);
  // Without JavaScript the full command sits behind a disclosure, as one block.
  await page.getByTestId('token-command').locator('summary').click();
  const full = page.getByTestId('token-command-full');
  await expect(full).toHaveCSS('user-select', 'all');
  const tokenJson = runInTerminal((await full.textContent()) ?? '');
  expect(JSON.parse(tokenJson).refresh_token).toBeTruthy();

  await exercise.open();
  await page.getByRole('textbox', { name: 'Token Response', exact: true }).fill(tokenJson);
  await exercise.step('token-response').getByRole('button', { name: 'Check Your Response' }).click();
  await exercise.expectStatus('token-response', 'passed');

  // The refresh command, with the refresh token typed in where the page says.
  await page.getByTestId('refresh-command').locator('summary').click();
  const refresh = ((await page.getByTestId('refresh-command-full').textContent()) ?? '').replace(
    'YOUR_REFRESH_TOKEN',
    JSON.parse(tokenJson).refresh_token,
  );
  await page.getByRole('textbox', { name: 'Refresh Token Response', exact: true }).fill(runInTerminal(refresh));
  await exercise.step('refresh-response').getByRole('button', { name: 'Check Your Response' }).click();
  await expect(page.getByTestId('completed')).toHaveText("You've completed the exercise!");
});

test('with JavaScript off, what was typed stays in the box after a failed check', async ({ exercise, page }) => {
  await exercise.open();
  const box = page.getByRole('textbox', { name: 'Code Verifier', exact: true });
  await box.fill('not-a-verifier <b>&amp;</b>');
  await page.getByRole('button', { name: 'Check Your Verifier' }).click();
  await expect(exercise.verdict('verifier')).toBeVisible();
  await expect(box).toHaveValue('not-a-verifier <b>&amp;</b>');
  // Once: the next page view starts empty.
  await exercise.open();
  await expect(box).toHaveValue('');
});
