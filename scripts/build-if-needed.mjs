#!/usr/bin/env node
// `npm start` builds first when dist/ is missing or older than any source file.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const newest = (dir) => readdirSync(dir).reduce((max, name) => {
  const path = join(dir, name);
  const s = statSync(path);
  return Math.max(max, s.isDirectory() ? newest(path) : s.mtimeMs);
}, 0);

const built = existsSync('dist/main.js') ? statSync('dist/main.js').mtimeMs : 0;
if (built < newest('src')) {
  console.log('gatehouse: building (dist/ is missing or older than src/)…');
  const result = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
