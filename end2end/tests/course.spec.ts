import { randomBytes } from 'node:crypto';
import { test, expect, Page } from './fixtures/test';
import { ExercisePage } from './fixtures/exercise-page';
import { expectAccessible } from './fixtures/axe';
import { copyFrom, runInTerminal } from './fixtures/terminal';

/** A state as a real app makes one: random, and new for each login. */
function freshState(): string {
  return randomBytes(24).toString('base64url');
}

/** Getting Started, played with what its pages and the server's documents show. */
async function playGettingStarted(page: Page, js: boolean) {
  const gs = new ExercisePage(page, 'getting-started');
  await gs.open();
  if (js) await gs.waitForHydration();
  const issuer = ((await page.getByTestId('practice-issuer').textContent()) ?? '').trim();

  // The usual mistake first: a trailing slash the server does not write.
  await gs.paste('issuer', 'Issuer', `${issuer}/`);
  await expect(gs.finding('issuer', 'issuer.trailing_slash')).toContainText('Remove the trailing /');
  await gs.expectStatus('issuer', 'current');
  await gs.paste('issuer', 'Issuer', issuer);
  await gs.expectStatus('issuer', 'passed');

  // Step 2: the endpoints as the metadata the page links to lists them.
  const metadataUrl = (await page.getByTestId('metadata-link').getAttribute('href')) ?? '';
  const metadata = await (await page.request.get(metadataUrl)).json();
  await gs.paste('endpoints', 'Endpoints', `${metadata.token_endpoint}\n${metadata.authorization_endpoint}`);
  await expect(gs.finding('endpoints', 'endpoints.swapped')).toBeVisible();
  await gs.paste(
    'endpoints',
    'Endpoints',
    `authorization_endpoint: ${metadata.authorization_endpoint}\ntoken_endpoint: ${metadata.token_endpoint}`,
  );
  await gs.expectStatus('endpoints', 'passed');

  // Step 3: the signing key from the JWKS the page links to.
  const jwks = await (await page.request.get((await page.getByTestId('jwks-link').getAttribute('href')) ?? '')).json();
  const key = jwks.keys[0];
  await gs.paste('signing-key', 'Signing key', `kid: ${key.kid}, alg: HS256`);
  await expect(gs.finding('signing-key', 'signing_key.alg')).toBeVisible();
  await gs.paste('signing-key', 'Signing key', `kid: ${key.kid}, alg: ${key.alg}`);
  await gs.expectStatus('signing-key', 'passed');
  await expect(page.getByTestId('completed')).toHaveText("You've completed the exercise!");
}

test.describe('Getting Started', () => {
  test('with JavaScript on, a learner finds the issuer, the endpoints and the signing key', async ({ page }) => {
    await playGettingStarted(page, true);
    await expectAccessible(page);
    // The course on the home page counts it, and Web Applications is next.
    await page.goto('/');
    await expect(page.getByText('1 of 3 exercises completed')).toBeVisible();
  });

  test.describe('with JavaScript off', () => {
    test.use({ javaScriptEnabled: false });
    test('the same, with plain form posts', async ({ page }) => {
      await playGettingStarted(page, false);
    });
  });
});

/** Web Applications through its callback and token exchange; returns the token response. */
async function playWebApp(page: Page, js: boolean) {
  const web = new ExercisePage(page, 'web-app');
  await web.open();
  if (js) await web.waitForHydration();
  const verifier = await web.generateVerifier();
  const challenge = await web.calculateHash();

  // A guessable state is named, and the step stays current.
  await web.checkUrl(await web.buildUrl(challenge, 'openid profile', 'state'));
  await expect(web.finding('authorization-url', 'url.state_guessable')).toBeVisible();
  await web.expectStatus('authorization-url', 'current');

  const state = freshState();
  await web.checkUrl(await web.buildUrl(challenge, 'openid profile', state));
  await web.expectStatus('authorization-url', 'passed');

  await page.getByTestId('login-link').click();
  await page.getByRole('button', { name: 'Allow' }).click();
  await expect(page).toHaveURL(/\/redirect\?/);
  const landed = page.url();
  await expect(page.getByTestId('callback-url')).toContainText(`state=${state}`);
  // The command for step 5, from the redirect page, with this login's code and verifier.
  let command: string;
  if (js) {
    await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 15_000 });
    command = await copyFrom(page, page.getByTestId('token-command'));
  } else {
    await page.getByTestId('token-command').locator('summary').click();
    command = (await page.getByTestId('token-command-full').textContent()) ?? '';
  }
  expect(command).toContain(verifier);

  await web.open();
  if (js) await web.waitForHydration();
  // A callback whose state is not this login's is caught, as an app must.
  const forged = new URL(landed);
  forged.searchParams.set('state', freshState());
  await web.paste('callback', 'Callback URL', forged.toString());
  await expect(web.finding('callback', 'callback.state')).toBeVisible();
  await web.expectStatus('callback', 'current');
  await web.paste('callback', 'Callback URL', landed);
  await web.expectStatus('callback', 'passed');

  const tokenJson = runInTerminal(command);
  expect(JSON.parse(tokenJson).access_token).toBeTruthy();
  await web.paste('token-response', 'Token Response', tokenJson);
  await web.expectStatus('token-response', 'passed');
  await expect(web.finding('token-response', 'exchange.client_auth')).toBeVisible();
  await expect(page.getByTestId('completed')).toHaveText("You've completed the exercise!");
}

test.describe('Web Applications', () => {
  test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

  test('with JavaScript on, a learner logs in, checks the callback and exchanges the code', async ({ page }) => {
    await playWebApp(page, true);
    await expectAccessible(page);
  });

  test.describe('with JavaScript off', () => {
    test.use({ javaScriptEnabled: false });
    test('the same, with plain form posts and the command as shown', async ({ page }) => {
      await playWebApp(page, false);
    });
  });
});
