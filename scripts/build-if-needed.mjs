#!/usr/bin/env node
// `npm start` builds first when dist/ is missing or older than any source file: the server
// (`npm run build`: tsc, then one bundled file) and the admin console (Vite,
// scripts/build-console.mjs). Without the development packages the console cannot be
// built; the server then starts without it and says so.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildConsoleIfNeeded } from './build-console.mjs';

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
  // The build is defined once, in package.json; npm sets npm_execpath for its scripts.
  const npm = process.env.npm_execpath;
  const result = npm
    ? spawnSync(process.execPath, [npm, 'run', 'build'], { stdio: 'inherit' })
    : spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

try {
  if (await buildConsoleIfNeeded()) console.log('gatehouse: built the admin console (dist/console/)');
} catch (err) {
  console.warn(`gatehouse: the admin console was not built (${err.message}); the server runs without it`);
}
