// Brotli and gzip copies of the site's static files (target/site/pkg), made once at build
// time so the server sends them without compressing per request. Usage:
//   node .ci/precompress.mjs target/site/pkg
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dir = process.argv[2] ?? 'target/site/pkg';
let before = 0;
let after = 0;
for (const name of readdirSync(dir)) {
  const path = join(dir, name);
  if (!statSync(path).isFile() || name.endsWith('.br') || name.endsWith('.gz')) continue;
  const bytes = readFileSync(path);
  const br = brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
  writeFileSync(`${path}.br`, br);
  writeFileSync(`${path}.gz`, gzipSync(bytes, { level: 9 }));
  before += bytes.length;
  after += br.length;
  console.log(`${name}: ${bytes.length} bytes, ${br.length} as brotli`);
}
console.log(`precompressed ${dir}: ${before} bytes, ${after} as brotli`);
