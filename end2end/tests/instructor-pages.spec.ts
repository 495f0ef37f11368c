import { APIRequestContext, Locator } from '@playwright/test';
import { test, expect } from './fixtures/test';
import { addInstructor, joinAs, passSteps, password, signInAndCreateClass } from './fixtures/instructor';

/** A class made through the JSON API by a new instructor; returns its join URL. */
async function classNamed(request: APIRequestContext, name: string): Promise<string> {
  const email = addInstructor('pages');
  expect((await request.post('/api/v1/instructor/login', { data: { email, password } })).status()).toBe(204);
  const created = await (await request.post('/api/v1/instructor/classes', { data: { name } })).json();
  return created.join_url;
}

/** A text field looks like the site's others: rounded, padded, bordered. */
async function expectStyledField(field: Locator) {
  await expect(field).toHaveCSS('border-radius', '8px');
  await expect(field).toHaveCSS('border-top-style', 'solid');
  const padding = await field.evaluate((el) => parseFloat(getComputedStyle(el).paddingLeft));
  expect(padding).toBeGreaterThanOrEqual(8);
}

test('the join page names the class, and Save and start goes on to the exercise', async ({ page, request }) => {
  const joinUrl = await classNamed(request, 'Evening workshop');
  await page.goto(joinUrl);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 15_000 });
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('You joined Evening workshop');
  await expectStyledField(page.getByLabel('Display name'));
  await page.getByLabel('Display name').fill('Ada');
  await page.getByRole('button', { name: 'Save and start' }).click();
  await expect(page).toHaveURL(/\/exercises\/refresh$/);
  await expect(page.getByTestId('step-verifier')).toBeVisible();
});

test('the dashboard looks finished: styled fields, an empty state, a padded table, "reset just now"', async ({
  page,
  browser,
  pageErrors,
}) => {
  void pageErrors;
  await page.goto('/instructor');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 15_000 });
  await expectStyledField(page.getByLabel('Email'));
  await expectStyledField(page.getByLabel('Password'));

  const joinUrl = await signInAndCreateClass(page, addInstructor('pages-js'), 'Morning class');
  await expectStyledField(page.getByLabel('Class name'));
  const panel = page.getByTestId('class').filter({ hasText: 'Morning class' });
  await expect(panel.getByTestId('no-learners')).toHaveText(/^No learners yet: share the join link/);
  await expect(panel.locator('table')).toHaveCount(0);

  const learner = await browser.newContext();
  try {
    await joinAs(learner.request, joinUrl, 'Grace');
    await passSteps(learner.request, 1);
    const row = panel.getByTestId('learner').filter({ hasText: 'Grace' });
    await expect(row).toHaveAttribute('data-steps-passed', '1', { timeout: 15_000 });
    await expect(panel.getByTestId('no-learners')).toHaveCount(0);
    // Every column has a header, and the cells are padded.
    // One column per exercise the site offers, in its order.
    const exercises: { title: string }[] = await (await page.request.get('/api/v1/exercises')).json();
    await expect(panel.locator('th')).toHaveText(['Learner', ...exercises.map((e) => e.title), 'Last activity', 'Actions']);
    for (const cell of [panel.locator('th').first(), row.locator('td').first()]) {
      const padding = await cell.evaluate((el) => parseFloat(getComputedStyle(el).paddingLeft));
      expect(padding).toBeGreaterThanOrEqual(8);
    }

    await row.locator('details.reset summary').click();
    await row.getByRole('button', { name: 'Yes, reset Grace' }).click();
    await expect(row).toHaveAttribute('data-steps-passed', '0');
    await expect(row.getByTestId('learner-activity')).toHaveText('reset just now');
    // Until the learner does something new (the dashboard polls).
    await passSteps(learner.request, 1);
    await expect(row.getByTestId('learner-activity')).toHaveText('just now', { timeout: 15_000 });

    // On a phone, nothing scrolls sideways, even with a confirmation open.
    await page.setViewportSize({ width: 390, height: 844 });
    await row.locator('details.reset summary').click();
    // Six exercises make a tall card: scrolled down to (never sideways), the button shows whole.
    const confirm = row.getByRole('button', { name: 'Yes, reset Grace' });
    await confirm.scrollIntoViewIfNeeded();
    await expect(confirm).toBeInViewport({ ratio: 1 });
    const overflow = await panel.locator('.table-wrap').evaluate((el) => el.scrollWidth - el.clientWidth);
    expect(overflow, 'the learners table scrolls sideways').toBeLessThanOrEqual(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  } finally {
    await learner.close();
  }
});

test('without JavaScript: the join page names the class, and a reset row says "reset just now"', async ({ browser }) => {
  const teacher = await browser.newContext({ javaScriptEnabled: false });
  const learner = await browser.newContext({ javaScriptEnabled: false });
  const other = await browser.newContext();
  const errors: Error[] = [];
  try {
    const page = await teacher.newPage();
    page.on('pageerror', (e) => errors.push(e));
    const joinUrl = await signInAndCreateClass(page, addInstructor('pages-nojs'), 'Plain workshop', { hydrated: false });
    await expectStyledField(page.getByLabel('Class name'));
    await expect(page.getByTestId('no-learners')).toBeVisible();

    const learnerPage = await learner.newPage();
    learnerPage.on('pageerror', (e) => errors.push(e));
    await learnerPage.goto(joinUrl);
    await expect(learnerPage.getByRole('heading', { level: 1 })).toHaveText('You joined Plain workshop');
    await learnerPage.getByLabel('Display name').fill('Grace');
    await learnerPage.getByRole('button', { name: 'Save and start' }).click();
    await expect(learnerPage).toHaveURL(/\/exercises\/refresh$/);
    await passSteps(learner.request, 2);
    await joinAs(other.request, joinUrl, 'Ada');

    await page.reload();
    const row = (name: string) => page.getByTestId('learner').filter({ hasText: name });
    await expect(row('Grace').locator('[data-testid="learner-progress"][data-exercise="refresh"]')).toContainText('2 of 5 steps');
    await row('Grace').locator('details.reset summary').click();
    await row('Grace').getByRole('button', { name: 'Yes, reset Grace' }).click();
    await expect(page).toHaveURL(/\/instructor$/);
    await expect(row('Grace').locator('[data-testid="learner-progress"][data-exercise="refresh"]')).toContainText('0 of 5 steps');
    await expect(row('Grace').getByTestId('learner-activity')).toHaveText('reset just now');
    await expect(row('Ada').getByTestId('learner-activity')).toHaveText('no activity yet');

    // Resetting the whole class marks every row.
    await page.locator('details.reset > summary').filter({ hasText: 'Reset class' }).click();
    await page.getByRole('button', { name: 'Yes, reset the whole class' }).click();
    await expect(row('Ada').getByTestId('learner-activity')).toHaveText('reset just now');
    expect(errors).toEqual([]);
  } finally {
    await teacher.close();
    await learner.close();
    await other.close();
  }
});
