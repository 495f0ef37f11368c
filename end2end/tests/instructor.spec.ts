import { test, expect } from './fixtures/test';
import { ExercisePage } from './fixtures/exercise-page';
import { addInstructor, password } from './fixtures/instructor';

test('an instructor sees a learner\'s progress and resets it', async ({ browser }) => {
  const email = addInstructor('teacher');
  const learnerContext = await browser.newContext();
  const instructorContext = await browser.newContext();
  const errors: Error[] = [];
  try {
    // The instructor signs in and creates a class.
    const teacher = await instructorContext.newPage();
    teacher.on('pageerror', (e) => errors.push(e));
    await teacher.goto('/instructor');
    await expect(teacher.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 15_000 });
    await teacher.getByLabel('Email').fill(email);
    await teacher.getByLabel('Password').fill(password);
    await teacher.getByRole('button', { name: 'Sign in' }).click();
    await teacher.getByLabel('Class name').fill('OAuth workshop');
    await teacher.getByRole('button', { name: 'Create class' }).click();
    const joinUrl = ((await teacher.getByTestId('join-url').textContent()) ?? '').trim();
    expect(joinUrl).toContain('/join/');

    // The learner joins with a name and passes two steps.
    const learnerPage = await learnerContext.newPage();
    learnerPage.on('pageerror', (e) => errors.push(e));
    await learnerPage.goto(joinUrl);
    await expect(learnerPage.getByTestId('joined')).toBeVisible();
    await learnerPage.getByLabel('Display name').fill('Grace');
    await learnerPage.getByRole('button', { name: 'Save and start' }).click();
    const learner = new ExercisePage(learnerPage);
    await learner.open();
    await learner.waitForHydration();
    await learner.generateVerifier();
    await learner.calculateHash();

    // The dashboard updates by itself.
    const row = teacher.getByTestId('learner').filter({ hasText: 'Grace' });
    await expect(row).toHaveAttribute('data-steps-passed', '2', { timeout: 15_000 });
    await expect(row.locator('[data-testid="learner-progress"][data-exercise="refresh"]')).toContainText('2 of 5 steps');

    // Reset, confirmed.
    await row.locator('details.reset summary').click();
    await row.getByRole('button', { name: 'Yes, reset Grace' }).click();
    await expect(row).toHaveAttribute('data-steps-passed', '0');

    await learnerPage.reload();
    await learner.expectStatus('verifier', 'current');
    await learner.expectStatus('challenge', 'locked');
    expect(errors).toEqual([]);
  } finally {
    await learnerContext.close();
    await instructorContext.close();
  }
});

test('a wrong password is refused without JavaScript too', async ({ browser }) => {
  const email = addInstructor('teacher-nojs');
  const context = await browser.newContext({ javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    await page.goto('/instructor');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Your classes' })).toBeVisible();
  } finally {
    await context.close();
  }
});
