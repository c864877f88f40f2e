#!/usr/bin/env node
// Runs the test suite with node:test. Node 20's --test does not expand globs, so the files
// are listed here. `node scripts/run-tests.mjs unit` runs one folder.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildConsoleIfNeeded } from './build-console.mjs';

const folders = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'integration', 'e2e'];
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.ts')) files.push(path);
  }
};
for (const folder of folders) walk(join('test', folder));
if (!files.length) {
  console.error('no test files found');
  process.exit(1);
}
// The browser tests drive the built console: build it once here, not in each test file.
if (folders.includes('e2e')) {
  try {
    await buildConsoleIfNeeded();
  } catch (err) {
    console.error(`building the admin console failed: ${err.message}`);
    process.exit(1);
  }
}
// A file that hangs is killed with "test timed out" and nothing else: each file's process
// keeps a note of what it is waiting for (test/helpers/hang-report.ts) and removes it when
// it exits; the notes of killed processes are printed here.
const hangReports = mkdtempSync(join(tmpdir(), 'gatehouse-hang-'));
const result = spawnSync(process.execPath, ['--import', 'tsx', '--import', './test/helpers/hang-report.ts', '--test', '--test-reporter=spec', '--test-timeout=180000', ...files], {
  stdio: 'inherit',
  env: { ...process.env, NODE_NO_WARNINGS: '1', GATEHOUSE_HANG_REPORT_DIR: hangReports },
});
for (const name of readdirSync(hangReports)) {
  console.log(`\n== hang report ${name}\n${readFileSync(join(hangReports, name), 'utf8')}`);
}
rmSync(hangReports, { recursive: true, force: true });
process.exit(result.status ?? 1);
