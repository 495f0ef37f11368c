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
    await expect(page.getByText('1 of 6 exercises completed')).toBeVisible();
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

/** Single-Page Apps: the public client's login, and the code exchange from the browser's callback page. */
async function playSpa(page: Page, js: boolean) {
  const spa = new ExercisePage(page, 'spa');
  await spa.open();
  if (js) await spa.waitForHydration();
  const verifier = await spa.generateVerifier();
  const challenge = await spa.calculateHash();

  // The usual mistake: a client secret in a browser app's URL. It has none to send.
  const withSecret = new URL(await spa.buildUrl(challenge, 'openid profile', freshState(), '/spa/callback'));
  withSecret.searchParams.set('client_secret', 'copied-from-the-web-client');
  await spa.checkUrl(withSecret.toString());
  await expect(spa.finding('authorization-url', 'url.secrets')).toBeVisible();
  await spa.expectStatus('authorization-url', 'current');

  const state = freshState();
  await spa.checkUrl(await spa.buildUrl(challenge, 'openid profile', state, '/spa/callback'));
  await spa.expectStatus('authorization-url', 'passed');
  await page.getByTestId('login-link').click();
  await page.getByRole('button', { name: 'Allow' }).click();
  await expect(page).toHaveURL(/\/spa\/callback\?/);
  await expect(page.getByTestId('state-check')).toContainText('is the one of your authorization URL');

  if (js) {
    // As a real browser app: fetch() to the token endpoint, no secret, then the answer to step 4.
    await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 15_000 });
    await page.getByTestId('exchange-in-browser').click();
    await expect(page.getByTestId('browser-answer')).toContainText('access_token');
    await expectAccessible(page);
    await page.getByTestId('check-browser-answer').click();
    await expect(page).toHaveURL(/\/exercises\/spa/);
  } else {
    // The curl command the page shows, run as shown.
    const command = (await page.getByTestId('token-command').locator('pre').first().textContent()) ?? '';
    expect(command).toContain(verifier);
    expect(command).not.toContain('client_secret');
    const tokenJson = runInTerminal(command);
    expect(JSON.parse(tokenJson).access_token).toBeTruthy();
    await spa.open();
    await spa.paste('token-response', 'Token Response', tokenJson);
  }
  await spa.expectStatus('token-response', 'passed');
  await expect(spa.finding('token-response', 'exchange.client_auth')).toBeVisible();
  await expect(page.getByTestId('completed')).toHaveText("You've completed the exercise!");
}

test.describe('Single-Page Apps', () => {
  test('with JavaScript on, a learner logs in as the public client and exchanges the code with fetch()', async ({
    page,
  }) => {
    await playSpa(page, true);
    await expectAccessible(page);
  });

  test.describe('with JavaScript off', () => {
    test.use({ javaScriptEnabled: false });
    test('the same, with the callback page\'s curl command as shown', async ({ page }) => {
      await playSpa(page, false);
    });
  });
});

/** Machine-to-Machine: the service client's token for the practice API, then the API call. */
async function playClientCredentials(page: Page, js: boolean) {
  const m2m = new ExercisePage(page, 'client-credentials');
  await m2m.open();
  if (js) await m2m.waitForHydration();
  let command: string;
  if (js) {
    command = await copyFrom(page, page.getByTestId('token-command'));
  } else {
    await page.getByTestId('token-command').locator('summary').click();
    command = (await page.getByTestId('token-command-full').textContent()) ?? '';
  }
  expect(command).toContain('grant_type=client_credentials');

  // The usual mistake: no resource, so the token is not for the practice API.
  const withoutResource = command
    .split('\n')
    .filter((line) => !line.includes('resource='))
    .join('\n');
  await m2m.paste('token-response', 'Token Response', runInTerminal(withoutResource));
  await expect(m2m.finding('token-response', 'grant.resource')).toBeVisible();
  await m2m.expectStatus('token-response', 'current');

  const tokenJson = runInTerminal(command);
  const accessToken = JSON.parse(tokenJson).access_token as string;
  expect(JSON.parse(tokenJson).refresh_token).toBeUndefined();
  await m2m.paste('token-response', 'Token Response', tokenJson);
  await m2m.expectStatus('token-response', 'passed');

  // Step 2: the API command as shown, with the token in place of ACCESS_TOKEN.
  const apiCommand = ((await page.getByTestId('api-command').locator('pre').first().textContent()) ?? '').replace(
    'ACCESS_TOKEN',
    accessToken,
  );
  const answer = runInTerminal(apiCommand);
  expect(JSON.parse(answer).receipt).toBeTruthy();
  await m2m.paste('api-response', 'API Response', answer);
  await m2m.expectStatus('api-response', 'passed');
  await expect(page.getByTestId('completed')).toHaveText("You've completed the exercise!");
  // A receipt passes once.
  await m2m.paste('api-response', 'API Response', answer);
  await expect(m2m.finding('api-response', 'api.used')).toBeVisible();
}

test.describe('Machine-to-Machine', () => {
  test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

  test('with JavaScript on, a learner gets a token for the practice API and calls it', async ({ page }) => {
    await playClientCredentials(page, true);
    await expectAccessible(page);
  });

  test.describe('with JavaScript off', () => {
    test.use({ javaScriptEnabled: false });
    test('the same, with the commands as shown', async ({ page }) => {
      await playClientCredentials(page, false);
    });
  });
});

/** The payload of a JWT, decoded as a learner does it (jwt.io, or base64url by hand). */
function payloadOf(jwt: string): string {
  return Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8');
}

/** OpenID Connect: a login with a nonce, the ID token checked, its claims and UserInfo. */
async function playOidc(page: Page, js: boolean) {
  const oidc = new ExercisePage(page, 'oidc');
  await oidc.open();
  if (js) await oidc.waitForHydration();
  await oidc.generateVerifier();
  const challenge = await oidc.calculateHash();

  // The usual mistake: no nonce, so a replayed ID token could not be told.
  await oidc.checkUrl(await oidc.buildUrl(challenge, 'openid profile email', freshState()));
  await expect(oidc.finding('authorization-url', 'url.nonce')).toBeVisible();
  await oidc.expectStatus('authorization-url', 'current');
  const url = new URL(await oidc.buildUrl(challenge, 'openid profile email', freshState()));
  url.searchParams.set('nonce', freshState());
  await oidc.checkUrl(url.toString());
  await oidc.expectStatus('authorization-url', 'passed');

  await page.getByTestId('login-link').click();
  await page.getByRole('button', { name: 'Allow' }).click();
  await expect(page).toHaveURL(/\/redirect\?/);
  let command: string;
  if (js) {
    await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 15_000 });
    command = await copyFrom(page, page.getByTestId('token-command'));
  } else {
    await page.getByTestId('token-command').locator('summary').click();
    command = (await page.getByTestId('token-command-full').textContent()) ?? '';
  }
  const tokenJson = runInTerminal(command);
  const tokens = JSON.parse(tokenJson);
  expect(tokens.id_token).toBeTruthy();

  await oidc.open();
  if (js) await oidc.waitForHydration();
  await oidc.paste('token-response', 'Token Response', tokenJson);
  await oidc.expectStatus('token-response', 'passed');
  await expect(oidc.finding('token-response', 'id_token.nonce')).toBeVisible();

  // Step 5: the ID token's claims, decoded.
  await oidc.paste('id-token-claims', 'ID Token Claims', payloadOf(tokens.access_token));
  await expect(oidc.finding('id-token-claims', 'claims.token')).toBeVisible();
  await oidc.paste('id-token-claims', 'ID Token Claims', payloadOf(tokens.id_token));
  await oidc.expectStatus('id-token-claims', 'passed');

  // Step 6: UserInfo with the access token, as the page's command calls it.
  const userinfo = ((await page.getByTestId('userinfo-command').locator('pre').first().textContent()) ?? '').replace(
    'ACCESS_TOKEN',
    tokens.access_token,
  );
  await oidc.paste('userinfo-response', 'UserInfo Response', runInTerminal(userinfo));
  await oidc.expectStatus('userinfo-response', 'passed');
  await expect(page.getByTestId('completed')).toHaveText("You've completed the exercise!");
}

test.describe('OpenID Connect', () => {
  test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

  test('with JavaScript on, a learner signs in with a nonce and checks the ID token, claims and UserInfo', async ({
    page,
  }) => {
    await playOidc(page, true);
    await expectAccessible(page);
  });

  test.describe('with JavaScript off', () => {
    test.use({ javaScriptEnabled: false });
    test('the same, with plain form posts and the commands as shown', async ({ page }) => {
      await playOidc(page, false);
    });
  });
});
