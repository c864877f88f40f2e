// Two apps are built to static files in dist/console/ and served by Gatehouse (see
// src/http/console-mount.ts): the admin console (index.html) at /console and My Account
// (myaccount.html) at /myaccount. Their assets always live at /console/assets/, whichever
// app or tenant's /t/{tenant}/… page loads them; shared code becomes shared chunks.
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
    rolldownOptions: {
      input: {
        console: fileURLToPath(new URL('index.html', import.meta.url)),
        myaccount: fileURLToPath(new URL('myaccount.html', import.meta.url)),
      },
    },
  },
});
