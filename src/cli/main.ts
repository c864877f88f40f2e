#!/usr/bin/env node
// The `gatehouse` command line: thin wrappers over the services the HTTP API uses.
import { runCli } from './run.js';

runCli(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`gatehouse: failed: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
