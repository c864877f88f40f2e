#!/usr/bin/env node
// `npm start` builds first when dist/ is missing or older than any source file: the server
// (tsc, then one bundled file, scripts/bundle-server.mjs) and the admin console (Vite,
// scripts/build-console.mjs). Without the development
// packages the console cannot be built; the server then starts without it and says so.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildConsoleIfNeeded } from './build-console.mjs';
import { bundleServer } from './bundle-server.mjs';

const newest = (dir) => readdirSync(dir).reduce((max, name) => {
  const path = join(dir, name);
  const s = statSync(path);
  return Math.max(max, s.isDirectory() ? newest(path) : s.mtimeMs);
}, 0);

// The bundle holds the installed packages too, so a changed package-lock.json rebuilds it.
const built = existsSync('dist/main.js') ? statSync('dist/main.js').mtimeMs : 0;
const lock = existsSync('package-lock.json') ? statSync('package-lock.json').mtimeMs : 0;
if (built < Math.max(newest('src'), lock)) {
  console.log('gatehouse: building (dist/ is missing or older than src/ or package-lock.json)…');
  const result = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  await bundleServer();
}

try {
  if (await buildConsoleIfNeeded()) console.log('gatehouse: built the admin console (dist/console/)');
} catch (err) {
  console.warn(`gatehouse: the admin console was not built (${err.message}); the server runs without it`);
}
