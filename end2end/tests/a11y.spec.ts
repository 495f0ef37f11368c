import { test, expect, expectAccessible } from './fixtures/test';
import { addInstructor, joinAs, passSteps, signInAndCreateClass } from './fixtures/instructor';

// axe-core on every page, in the light and the dark color scheme: any serious or critical
// violation (contrast, names, labels, landmarks...) fails the test.

test('the learner\'s pages: home, the exercise before and after each step, practice app, consent, redirect', async ({
  exercise,
  page,
}) => {
  test.setTimeout(180_000);
  await page.goto('/');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 15_000 });
  await expectAccessible(page);

  await exercise.open();
  await exercise.waitForHydration();
  await expectAccessible(page);

  // A failed check shows its findings.
  await page.getByRole('textbox', { name: 'Code Verifier', exact: true }).fill('too short');
  await page.getByRole('button', { name: 'Check Your Verifier' }).click();
  await expect(exercise.verdict('verifier')).toBeVisible();
  await expectAccessible(page);

  const verifier = await exercise.generateVerifier();
  await expectAccessible(page);
  const challenge = await exercise.calculateHash();
  await expectAccessible(page);

  // The practice application, with refresh tokens off and then on.
  await page.goto('/practice/app');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 15_000 });
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Allow refresh tokens' }).click();
  await expect(page.getByTestId('refresh-grant')).toHaveAttribute('data-enabled', 'true');
  await expectAccessible(page);

  await exercise.open();
  await exercise.waitForHydration();
  const url = await exercise.buildUrl(challenge);
  await exercise.checkUrl(url);
  await exercise.expectStatus('authorization-url', 'passed');
  await expectAccessible(page);

  // The practice server's consent page, then the example app's /redirect.
  await page.goto(url);
  await expect(page.getByTestId('consent')).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Allow' }).click();
  await expect(page).toHaveURL(/\/redirect\?/);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 15_000 });
  await expectAccessible(page);
  const code = ((await page.getByTestId('redirect-code').textContent()) ?? '').trim();

  // Steps 4 and 5 through the token endpoint and the JSON API (same cookies as the page).
  const app = await (await page.request.get('/api/v1/practice/app')).json();
  const client = { client_id: app.client_id, client_secret: app.client_secret };
  const redirectUri = new URL('/redirect', page.url()).toString();
  const tokens = await page.request.post('/oauth2/token', {
    form: { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, ...client },
  });
  expect(tokens.status()).toBe(200);
  const tokenJson = await tokens.text();
  const check = async (step: string, input: string) => {
    const res = await page.request.post(`/api/v1/exercises/refresh/steps/${step}/check`, { data: { input } });
    expect((await res.json()).passed, `${step} passes`).toBe(true);
  };
  await check('token-response', tokenJson);
  await exercise.open();
  await exercise.waitForHydration();
  await exercise.expectStatus('token-response', 'passed');
  await expectAccessible(page);

  const refreshed = await page.request.post('/oauth2/token', {
    form: { grant_type: 'refresh_token', refresh_token: JSON.parse(tokenJson).refresh_token, ...client },
  });
  expect(refreshed.status()).toBe(200);
  await check('refresh-response', await refreshed.text());
  await exercise.open();
  await exercise.waitForHydration();
  await expect(page.getByTestId('completed')).toBeVisible();
  await expectAccessible(page);
});

test('the other learner pages: the own-server page, a redirect with an error, and a page not found', async ({
  page,
  pageErrors,
}) => {
  void pageErrors;
  test.setTimeout(90_000);
  for (const path of ['/exercises/refresh/provider', '/redirect?error=access_denied&error_description=The+user+denied', '/redirect', '/no/such/page']) {
    await page.goto(path);
    await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 15_000 });
    await expectAccessible(page);
  }
});

test('the instructor\'s pages: sign-in, a dashboard with a class and a learner, and the join page', async ({
  page,
  browser,
  pageErrors,
}) => {
  void pageErrors;
  test.setTimeout(180_000);
  await page.goto('/instructor');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 15_000 });
  await expectAccessible(page);

  const email = addInstructor('a11y');
  const joinUrl = await signInAndCreateClass(page, email, 'Accessible class');
  await expect(page.getByTestId('no-learners')).toBeVisible();
  await expectAccessible(page);

  const learner = await browser.newContext();
  try {
    // The join page, as a learner opens the link.
    const learnerPage = await learner.newPage();
    const errors: Error[] = [];
    learnerPage.on('pageerror', (e) => errors.push(e));
    await learnerPage.goto(joinUrl);
    await expect(learnerPage.getByTestId('joined')).toBeVisible();
    await expect(learnerPage.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 15_000 });
    await expectAccessible(learnerPage);

    // A second class's link asks first.
    await page.getByLabel('Class name').fill('Second class');
    await page.getByRole('button', { name: 'Create class' }).click();
    const second = page.getByTestId('class').filter({ hasText: 'Second class' });
    const secondUrl = ((await second.getByTestId('join-url').textContent()) ?? '').trim();
    await learnerPage.goto(secondUrl);
    await expect(learnerPage.getByTestId('join-ask')).toBeVisible();
    await expect(learnerPage.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 15_000 });
    await expectAccessible(learnerPage);
    expect(errors).toEqual([]);

    // The dashboard with a learner, a learner's detail and a reset confirmation open.
    await joinAs(learner.request, joinUrl, 'Ada');
    await passSteps(learner.request, 2);
    const row = page.getByTestId('learner').filter({ hasText: 'Ada' });
    await expect(row).toHaveAttribute('data-steps-passed', '2', { timeout: 15_000 });
    await expectAccessible(page);
    await row.locator('summary').filter({ hasText: 'Ada' }).click();
    await row.locator('details.reset summary').click();
    await expectAccessible(page);
    await row.getByRole('button', { name: 'Yes, reset Ada' }).click();
    await expect(row.getByTestId('learner-activity')).toHaveText('reset just now');
    await expectAccessible(page);

    // On a phone the table's rows are cards; its headers are still there.
    await page.setViewportSize({ width: 390, height: 844 });
    await row.locator('details.reset summary').click();
    await expectAccessible(page);
  } finally {
    await learner.close();
  }
});
