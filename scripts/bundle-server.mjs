#!/usr/bin/env node
// Bundles the server (src/main.ts and every package it imports) into one file, dist/main.js,
// after tsc has type-checked and emitted dist/. Loading ~900 separate modules (oidc-provider,
// Kysely, Fastify…) was most of a cold start: 1.55 s unbundled against 0.8 s bundled on a
// 2-core VM (docs/decisions.md 27). Native addons stay outside (their .node files are loaded
// from node_modules), so the bundle runs from the package root like tsc's output.
//   node scripts/bundle-server.mjs [--outfile=dist/main.js]
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));

export async function bundleServer(outfile = resolve(root, 'dist/main.js')) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error('esbuild is not installed (it is a development dependency): run "npm install" to build the server');
  }
  await esbuild.build({
    entryPoints: [resolve(root, 'src/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Native addons, and pg's optional native binding that pg only loads on request.
    external: ['better-sqlite3', '@node-rs/argon2', 'pg-native'],
    // Packages written as CommonJS call require(); an ES module has none of its own.
    banner: { js: "import { createRequire as __gatehouseCreateRequire } from 'node:module'; const require = __gatehouseCreateRequire(import.meta.url);" },
    // oidc-provider looks up settings by class name (ttl[this.name]); bundling renames
    // classes whose names collide (AccessToken → AccessToken2) unless told to keep them.
    keepNames: true,
    // Whitespace and syntax only: names stay, so stack traces and profiles stay readable.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv.find((a) => a.startsWith('--outfile='))?.slice('--outfile='.length);
  await bundleServer(out ? resolve(out) : undefined);
}
