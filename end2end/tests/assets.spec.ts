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
  expect(assets.map((r) => new URL(r.url()).pathname).sort()).toEqual([
    '/pkg/oauthlab.css',
    '/pkg/oauthlab.js',
    '/pkg/oauthlab.wasm',
  ]);
  const page_ = fromSite.find((r) => new URL(r.url()).pathname === '/exercises/refresh');
  expect(page_).toBeDefined();
  for (const res of [page_!, ...assets]) {
    const headers = await res.allHeaders();
    expect(['br', 'gzip'], res.url()).toContain(headers['content-encoding']);
  }
  // The page is never stored; the assets are kept and revalidated.
  expect((await page_!.allHeaders())['cache-control']).toBe('no-store');
  for (const res of assets) expect((await res.allHeaders())['cache-control']).toBe('no-cache');
});
