// The console is built to static files in dist/console/ and served by Gatehouse at
// /console (see src/http/console-mount.ts); its assets always live at /console/assets/,
// whichever tenant's /t/{tenant}/console page loads them.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The CSP allows only this origin's files: nothing may be inlined as a data: script.
    assetsInlineLimit: 0,
  },
});
