import { test, expect } from './fixtures/test';
import { ProviderPage } from './fixtures/provider-page';

// The learner's "own server" here is this same site's practice server, reached by its
// issuer URL like any Okta or Keycloak: discovery, keys and grading go the general way.
test.describe('a learner works against their own authorization server', () => {
  test('sets it up by issuer URL, does step 3 there, and goes back', async ({ exercise, page, baseURL }) => {
    const issuer = String(baseURL);
    await exercise.open();
    await exercise.waitForHydration();
    await page.getByRole('link', { name: 'Use your own Okta, Auth0 or Keycloak instead' }).click();
    const provider = new ProviderPage(page);
    await expect(provider.heading()).toHaveText('In use: the built-in practice server');

    // A wrong issuer: the findings say what was tried, in place.
    await provider.findServer(`${issuer}/typo`);
    await expect(provider.verdict().locator('[data-finding="provider.metadata"]')).toContainText('No metadata was found');
    await expect(provider.heading()).toHaveText('In use: the built-in practice server');

    // The right one, with the client id of the learner's application there.
    const app = await (await page.request.get('/api/v1/practice/app')).json();
    await provider.findServer(issuer, app.client_id);
    await expect(provider.verdict()).toContainText('Correct!');
    await expect(provider.heading()).toHaveText('In use: your own server');
    await expect(page.getByTestId('server-issuer')).toHaveText(issuer);

    await page.getByRole('link', { name: 'Back to the Refresh Tokens exercise' }).click();
    await expect(page.getByTestId('server-choice')).toContainText('You are using your own authorization server');
    await exercise.generateVerifier();
    const challenge = await exercise.calculateHash();
    // The client id shown is the one given for that server.
    await exercise.checkUrl(await exercise.buildUrl(challenge));
    await exercise.expectStatus('authorization-url', 'passed');
    const curl = page.getByTestId('token-command');
    await expect(curl).toContainText(`curl -X POST ${issuer}/oauth2/token`);
    await expect(curl).toContainText('client_secret=YOUR_CLIENT_SECRET');
    await expect(curl.getByText('Show the command with your client secret')).toHaveCount(0);

    await page.getByRole('link', { name: 'Change server' }).click();
    await provider.useBuiltin();
    await page.getByRole('link', { name: 'Back to the Refresh Tokens exercise' }).click();
    await expect(page.getByTestId('server-choice')).toContainText("OAuth Lab's built-in practice server");
    // Steps 3 to 5 start over against the new server; the verifier and challenge stay.
    await exercise.expectStatus('challenge', 'passed');
    await exercise.expectStatus('authorization-url', 'current');
  });
});

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('the server page works with plain form posts and keeps what was typed', async ({ page, baseURL }) => {
    const issuer = String(baseURL);
    await page.goto('/exercises/refresh/provider');
    await expect(page.locator('html')).not.toHaveAttribute('data-hydrated', 'true');
    const provider = new ProviderPage(page);

    await provider.findServer(`${issuer}/typo`, 'my-app');
    await expect(page).toHaveURL(/\/exercises\/refresh\/provider$/);
    await expect(provider.verdict().locator('[data-finding="provider.metadata"]')).toContainText('No metadata was found');
    await expect(page.getByLabel('Issuer URL')).toHaveValue(`${issuer}/typo`);
    await expect(page.getByLabel('Client ID of your application there (optional)')).toHaveValue('my-app');

    await provider.findServer(issuer);
    await expect(provider.heading()).toHaveText('In use: your own server');
    await provider.useBuiltin();
  });
});
