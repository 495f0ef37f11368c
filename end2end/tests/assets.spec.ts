import { test, expect } from './fixtures/test';
import type { Response } from '@playwright/test';

test('a first visit fetches only the page, its stylesheet, script and wasm, each compressed', async ({
  exercise,
  page,
}) => {
  const responses: Response[] = [];
  page.on('response', (res) => responses.push(res));
  await exercise.open();
  await exercise.waitForHydration();

  const fromSite = responses.filter((r) => new URL(r.url()).origin === new URL(page.url()).origin);
  const assets = fromSite.filter((r) => new URL(r.url()).pathname.startsWith('/pkg/'));
  // Hashed names: oauthlab.<22 characters of base64url>.<extension>.
  const hashed = (ext: string) => new RegExp(`^/pkg/oauthlab\\.[A-Za-z0-9_-]{22}\\.${ext}$`);
  const paths = assets.map((r) => new URL(r.url()).pathname);
  expect(paths).toHaveLength(3);
  for (const ext of ['css', 'js', 'wasm']) {
    expect(paths.filter((p) => hashed(ext).test(p)), ext).toHaveLength(1);
  }
  const page_ = fromSite.find((r) => new URL(r.url()).pathname === '/exercises/refresh');
  expect(page_).toBeDefined();
  for (const res of [page_!, ...assets]) {
    const headers = await res.allHeaders();
    expect(['br', 'gzip'], res.url()).toContain(headers['content-encoding']);
  }
  // The page is never stored; the assets, named by their content, are kept for good.
  expect((await page_!.allHeaders())['cache-control']).toBe('no-store');
  for (const res of assets) {
    expect((await res.allHeaders())['cache-control']).toBe('public, max-age=31536000, immutable');
  }
});

test('a repeat visit fetches no asset again', async ({ exercise, page }) => {
  // What each /pkg asset cost over the wire on this page view (0: from the browser's cache).
  const transferred = () =>
    page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .filter((e) => new URL(e.name).pathname.startsWith('/pkg/'))
        .map((e) => (e as PerformanceResourceTiming).transferSize),
    );
  await exercise.open();
  await exercise.waitForHydration();
  const first = await transferred();
  expect(first).toHaveLength(3);
  expect(first.every((bytes) => bytes > 0)).toBe(true);

  await page.goto('/');
  await exercise.open();
  await exercise.waitForHydration();
  const again = await transferred();
  expect(again).toHaveLength(3);
  expect(again).toEqual([0, 0, 0]);
});
