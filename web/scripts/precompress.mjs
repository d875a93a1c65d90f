// Writes a .br and a .gz twin next to every text file of the built UI (dist/), so `autotuner serve` sends
// stored bytes instead of compressing each response again (src/autotuner/api/static_files.h).
//   node scripts/precompress.mjs [dir=dist]
import { readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dir = process.argv[2] ?? 'dist';
const compressible = /\.(html|js|mjs|css|json|svg|txt|wasm)$/;

function* files(root) {
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

let written = 0;
let before = 0;
let after = 0;
for (const path of [...files(dir)]) {
  if (/\.(br|gz)$/.test(path)) {
    unlinkSync(path); // a twin of an earlier build
    continue;
  }
  if (!compressible.test(path)) continue;
  const bytes = readFileSync(path);
  const twins = {
    br: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
    gz: gzipSync(bytes, { level: 9 }),
  };
  for (const [suffix, packed] of Object.entries(twins)) {
    // Only where it saves something: tiny files can grow.
    if (packed.length >= bytes.length) continue;
    writeFileSync(`${path}.${suffix}`, packed);
    written += 1;
  }
  before += bytes.length;
  after += twins.br.length;
}
console.log(`precompress: ${written} twins in ${dir} (${before} bytes of text, ${after} as brotli)`);
