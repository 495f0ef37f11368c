import { readFileSync } from 'node:fs';
import { test, expect } from './fixtures/test';
import { addInstructor, joinAs, passSteps, password, setPassword, signInAndCreateClass } from './fixtures/instructor';

test('the live dashboard updates rows in place: an open confirmation and a half-typed name stay', async ({ page, browser, pageErrors }) => {
  void pageErrors;
  const email = addInstructor('live');
  const joinUrl = await signInAndCreateClass(page, email, 'Live class');
  const learner = await browser.newContext();
  try {
    await joinAs(learner.request, joinUrl, 'Ada');
    const row = page.getByTestId('learner').filter({ hasText: 'Ada' });
    await expect(row, 'a learner who joins appears without a reload').toHaveAttribute('data-steps-passed', '0', {
      timeout: 15_000,
    });

    // The instructor opens a confirmation and starts typing, then the learner progresses.
    await row.locator('details.reset summary').click();
    await page.getByLabel('Class name').fill('Half-typed');
    await passSteps(learner.request, 1);
    await expect(row).toHaveAttribute('data-steps-passed', '1', { timeout: 15_000 });
    await expect(row.locator('[data-testid="learner-progress"][data-exercise="refresh"]')).toContainText('1 of 5 steps');
    await expect(row.locator('details.reset')).toHaveAttribute('open', '');
    await expect(page.getByLabel('Class name')).toHaveValue('Half-typed');

    // The learner's detail: each step's state.
    await row.locator('summary').filter({ hasText: 'Ada' }).click();
    await expect(row.locator('[data-testid="learner-steps"][data-exercise="refresh"]').locator('li')).toHaveText([
      'Code verifier: passed',
      'Code challenge: current',
      'Authorization request: locked',
      'Token response: locked',
      'Refresh token response: locked',
    ]);
    await expect(row.getByTestId('learner-activity')).toHaveText(/just now|s ago/);

    // The CSV export holds the class's progress.
    const panel = page.getByTestId('class').filter({ hasText: 'Live class' });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      panel.getByRole('link', { name: 'Export progress (CSV)' }).click(),
    ]);
    const csv = readFileSync((await download.path()) ?? '', 'utf8');
    expect(csv.split('\r\n')[0]).toBe('learner_id,display_name,exercise,steps_passed,completed,updated_at');
    expect(csv).toMatch(/,Ada,refresh,1,false,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\r\n/);

    // Reset the whole class, confirmed.
    await panel.locator('details.reset > summary').filter({ hasText: 'Reset class' }).click();
    await panel.getByRole('button', { name: 'Yes, reset the whole class' }).click();
    await expect(row).toHaveAttribute('data-steps-passed', '0');
    const state = await (await learner.request.get('/api/v1/exercises/refresh')).json();
    expect(state.steps[0]).toEqual({ id: 'verifier', status: 'current' });

    // The operator gives the instructor a new password: the open dashboard signs out by itself.
    setPassword(email, 'a brand new passphrase');
    await expect(page.getByRole('heading', { name: 'Instructor sign-in' })).toBeVisible({ timeout: 15_000 });

    // Signing in again and out, in place: the sign-in form comes back, not an error.
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('a brand new passphrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Your classes' })).toBeVisible();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('heading', { name: 'Instructor sign-in' })).toBeVisible();
    await expect(page.getByRole('alert')).toHaveCount(0);
  } finally {
    await learner.close();
  }
});

test('the dashboard works without JavaScript: sign in, create a class, a learner\'s detail, reset', async ({ browser }) => {
  const email = addInstructor('nojs');
  const teacher = await browser.newContext({ javaScriptEnabled: false });
  const learner = await browser.newContext();
  try {
    const page = await teacher.newPage();
    const joinUrl = await signInAndCreateClass(page, email, 'Plain class', { hydrated: false });
    await joinAs(learner.request, joinUrl, 'Grace');
    await passSteps(learner.request, 2);
    await page.reload();
    const row = page.getByTestId('learner').filter({ hasText: 'Grace' });
    await expect(row.locator('[data-testid="learner-progress"][data-exercise="refresh"]')).toContainText('2 of 5 steps');
    await row.locator('summary').filter({ hasText: 'Grace' }).click();
    await expect(row.locator('[data-testid="learner-steps"][data-exercise="refresh"]').locator('li').nth(2)).toHaveText('Authorization request: current');
    await row.locator('details.reset summary').click();
    await row.getByRole('button', { name: 'Yes, reset Grace' }).click();
    await expect(page.getByTestId('learner').filter({ hasText: 'Grace' }).locator('[data-testid="learner-progress"][data-exercise="refresh"]')).toContainText(
      '0 of 5 steps',
    );
    const state = await (await learner.request.get('/api/v1/exercises/refresh')).json();
    expect(state.steps[0]).toEqual({ id: 'verifier', status: 'current' });
  } finally {
    await teacher.close();
    await learner.close();
  }
});

test('without JavaScript, a failed form says why on the dashboard and on the join page', async ({ browser, request }) => {
  const email = addInstructor('nojs-errors');
  const teacher = await browser.newContext({ javaScriptEnabled: false });
  const learner = await browser.newContext({ javaScriptEnabled: false });
  const errors: Error[] = [];
  try {
    const page = await teacher.newPage();
    page.on('pageerror', (e) => errors.push(e));
    const joinUrl = await signInAndCreateClass(page, email, 'Errors class', { hydrated: false });

    // A class name with a zero-width space in it is refused, and the page it goes back to says why.
    await page.getByLabel('Class name').fill('Class\u200BA');
    await page.getByRole('button', { name: 'Create class' }).click();
    await expect(page.getByRole('alert')).toContainText('invisible formatting characters');
    await page.goto('/instructor');
    await expect(page.getByRole('alert')).toHaveCount(0);

    // The learner opens the join link; a name with a text-direction mark is refused, on the join page.
    const learnerPage = await learner.newPage();
    learnerPage.on('pageerror', (e) => errors.push(e));
    await learnerPage.goto(joinUrl);
    await expect(learnerPage.getByTestId('joined')).toBeVisible();
    await learnerPage.getByLabel('Display name').fill('Ada\u202Eecalevol');
    await learnerPage.getByRole('button', { name: 'Save and start' }).click();
    await expect(learnerPage.getByRole('alert')).toContainText("can't contain control characters");
    await expect(learnerPage.getByTestId('joined')).toBeVisible();
    await learnerPage.getByLabel('Display name').fill('Grace');
    await learnerPage.getByRole('button', { name: 'Save and start' }).click();
    await expect(learnerPage).toHaveURL(/\/exercises\/refresh$/);

    // The learner moves to another instructor's class; the dashboard, not reloaded, still lists them.
    await page.reload();
    const row = page.getByTestId('learner').filter({ hasText: 'Grace' });
    await expect(row).toHaveCount(1);
    const other = addInstructor('nojs-other');
    expect((await request.post('/api/v1/instructor/login', { data: { email: other, password } })).status()).toBe(204);
    const otherClass = await (await request.post('/api/v1/instructor/classes', { data: { name: 'Other class' } })).json();
    await joinAs(learner.request, otherClass.join_url, 'Grace');

    // Resetting them now fails, and the dashboard says why.
    await row.locator('details.reset summary').click();
    await row.getByRole('button', { name: 'Yes, reset Grace' }).click();
    await expect(page.getByRole('alert')).toHaveText('There is no such class or learner among yours.');
    await expect(page.getByTestId('learner').filter({ hasText: 'Grace' })).toHaveCount(0);
    expect(errors).toEqual([]);
  } finally {
    await teacher.close();
    await learner.close();
  }
});
