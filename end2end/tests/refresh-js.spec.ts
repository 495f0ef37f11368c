import { test, expect } from './fixtures/test';

test.describe('with JavaScript on, the page answers in place', () => {
  test('a learner completes steps 1-3', async ({ exercise, page }) => {
    await exercise.open();
    await exercise.waitForHydration();
    await exercise.expectStatus('verifier', 'current');
    await exercise.expectStatus('challenge', 'locked');

    await exercise.generateVerifier();
    await exercise.expectStatus('challenge', 'current');
    const challenge = await exercise.calculateHash();
    expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await exercise.expectStatus('authorization-url', 'current');

    const url = await exercise.buildUrl(challenge);
    await exercise.checkUrl(url);
    await exercise.expectStatus('authorization-url', 'passed');
    await expect(exercise.verdict('authorization-url')).toContainText('Correct!');
    await expect(page.getByTestId('login-link')).toHaveAttribute('href', url);
    const curl = page.getByTestId('token-command');
    await expect(curl).toContainText('grant_type=authorization_code');
    await expect(curl).toContainText(await exercise.clientId());
    await expect(curl.locator('pre').first()).toContainText('client_secret=••••••••');
    await exercise.expectStatus('token-response', 'current');
    // Answered in place: no form post sent the browser to a #step anchor.
    expect(new URL(page.url()).hash).toBe('');
  });

  test('a wrong challenge and a URL without offline_access get their messages', async ({ exercise }) => {
    await exercise.open();
    await exercise.waitForHydration();
    const verifier = await exercise.generateVerifier();

    await exercise.pasteChallenge(verifier);
    await expect(exercise.finding('challenge', 'challenge.match')).toContainText('plain');
    await exercise.expectStatus('challenge', 'current');

    const challenge = await exercise.calculateHash();
    await exercise.pasteChallenge(`${challenge}=`);
    await expect(exercise.finding('challenge', 'challenge.match')).toContainText('=');
    await exercise.calculateHash();

    await exercise.checkUrl(await exercise.buildUrl(challenge, 'openid profile'));
    await expect(exercise.finding('authorization-url', 'url.offline_access')).toContainText('offline_access');
    await expect(exercise.verdict('authorization-url')).toContainText('Not yet');
    await exercise.expectStatus('authorization-url', 'current');
    // Failed findings come first.
    await expect(exercise.verdict('authorization-url').locator('li').first()).toHaveClass(/finding--error/);
  });

  test('Reset clears the progress after a confirmation', async ({ exercise }) => {
    await exercise.open();
    await exercise.waitForHydration();
    await exercise.generateVerifier();
    await exercise.calculateHash();
    await exercise.reset();
    await exercise.expectStatus('verifier', 'current');
    await exercise.expectStatus('challenge', 'locked');
    await expect(exercise.page.getByRole('textbox', { name: 'Code Verifier', exact: true })).toHaveValue('');
    await exercise.page.reload();
    await exercise.expectStatus('verifier', 'current');
    await exercise.expectStatus('challenge', 'locked');
  });

  test('an answer updates the page where it stands: no page load, focus and typing stay, a lost connection is said', async ({
    exercise,
    page,
  }) => {
    await exercise.open();
    await exercise.waitForHydration();
    // A mark on this page view: a page load would lose it.
    await page.evaluate(() => ((window as unknown as { stay: number }).stay = 1));
    const verifier = await exercise.generateVerifier();
    await page.getByRole('textbox', { name: 'Code Verifier', exact: true }).fill('typed, not sent');

    await exercise.pasteChallenge(verifier);
    await expect(exercise.finding('challenge', 'challenge.match')).toBeVisible();
    // The button that was clicked is the same element, still focused; a box in another
    // step keeps what was typed in it.
    await expect(page.getByRole('button', { name: 'Check Your Challenge' })).toBeFocused();
    await expect(page.getByRole('textbox', { name: 'Code Verifier', exact: true })).toHaveValue('typed, not sent');
    expect(await page.evaluate(() => (window as unknown as { stay?: number }).stay)).toBe(1);

    // The server cannot be reached: the page says so and keeps everything.
    await page.route('**/fn/**', (route) => route.abort('connectionfailed'));
    await exercise.pasteChallenge('still typed');
    await expect(page.locator('.error-box[role="alert"]')).toHaveText(
      'OAuth Lab could not be reached: check your connection and try again.',
    );
    await expect(page.getByRole('textbox', { name: 'Code Challenge', exact: true })).toHaveValue('still typed');
    await page.unroute('**/fn/**');
    // The next answer takes the message away.
    await exercise.calculateHash();
    await expect(page.locator('.error-box[role="alert"]')).toHaveCount(0);
    expect(await page.evaluate(() => (window as unknown as { stay?: number }).stay)).toBe(1);
  });

  test('a paste over 64 KiB is refused with a message a person can read', async ({ exercise, page }) => {
    await exercise.open();
    await exercise.waitForHydration();
    await page.getByRole('textbox', { name: 'Code Verifier', exact: true }).fill('A'.repeat(70 * 1024));
    await page.getByRole('button', { name: 'Check Your Verifier' }).click();
    const alert = page.locator('.error-box[role="alert"]');
    await expect(alert).toHaveText('The request body is larger than 64 KiB.');
    await exercise.expectStatus('verifier', 'current');
  });
});
