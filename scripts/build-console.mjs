#!/usr/bin/env node
// Builds the admin console (console/: React + Vite) into dist/console/ when it is missing
// or older than its sources; `--force` builds anyway. npm start (build-if-needed.mjs), the
// test runner and the browser tests call it, so a stale console is never served or tested.
// The build goes to a scratch directory first and then replaces dist/console/ whole.
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const sources = join(root, 'console');
const out = join(root, 'dist', 'console');
const marker = join(out, 'index.html');

const newest = (path) => {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return readdirSync(path).reduce((max, name) => (name === 'node_modules' || name === 'dist' ? max : Math.max(max, newest(join(path, name)))), 0);
};

/** True when dist/console/ is missing or older than console/ (or than the installed packages). */
export function consoleIsStale() {
  if (!existsSync(marker)) return true;
  const lock = join(root, 'package-lock.json');
  const inputs = Math.max(newest(sources), existsSync(lock) ? statSync(lock).mtimeMs : 0);
  return statSync(marker).mtimeMs < inputs;
}

export async function buildConsole() {
  let vite;
  try {
    vite = await import('vite');
  } catch {
    throw new Error('vite is not installed (it is a development dependency): run "npm install" to build the console');
  }
  const scratch = join(root, 'dist', `console.building-${process.pid}`);
  rmSync(scratch, { recursive: true, force: true });
  try {
    await vite.build({ configFile: join(sources, 'vite.config.ts'), logLevel: 'warn', build: { outDir: scratch, emptyOutDir: true } });
    rmSync(out, { recursive: true, force: true });
    renameSync(scratch, out);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Builds if needed; returns whether it built. */
export async function buildConsoleIfNeeded({ force = false } = {}) {
  if (!force && !consoleIsStale()) return false;
  await buildConsole();
  return true;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const force = process.argv.includes('--force');
  const started = Date.now();
  buildConsoleIfNeeded({ force }).then(
    (built) => { if (built) console.log(`gatehouse: console built into dist/console/ in ${((Date.now() - started) / 1000).toFixed(1)} s`); },
    (err) => { console.error(`gatehouse: building the console failed: ${err.message}`); process.exit(1); },
  );
}
