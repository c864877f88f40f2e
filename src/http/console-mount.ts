// Serves the server's two single-page apps, built by Vite from console/ into dist/console/:
// the admin console at /console and My Account at /myaccount (tenants: /t/{tenant}/…).
// Their hashed bundles live under /console/assets/ (cached for good) whichever page loads
// them; every other path below a page gets its HTML, since each SPA routes itself. The
// pages get the console's CSP (their own scripts only); everything else keeps the strict one.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import { renderErrorPage } from '../ui/layout.js';
import { CONSOLE_CSP } from './security-headers.js';
import { packageRoot } from '../package-root.js';

export const CONSOLE_DIR = join(packageRoot(), 'dist', 'console');

// Vite's file names: no slashes, no dot-dot, nothing a path could hide in.
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

const html = (reply: FastifyReply, status: number, title: string, message: string) =>
  reply.code(status).type('text/html; charset=utf-8').send(renderErrorPage(title, message));

export function consoleMount(dir: string = CONSOLE_DIR) {
  return async function register(app: FastifyInstance) {
    // Encapsulated here: reply.sendFile exists only for these routes.
    await app.register(fastifyStatic, { root: dir, serve: false, wildcard: false });

    const page = (file: string) => async (request: FastifyRequest, reply: FastifyReply) => {
      if (!request.tenant) return html(reply, 404, 'Not found', 'There is no such organization on this server.');
      // Checked per request, so a console built after the server started is served at once.
      if (!existsSync(join(dir, file))) {
        return html(reply, 503, 'This page is not built', 'This server has no build of the console and My Account. Run "npm run build:console" (npm start builds it when it is missing) and reload this page.');
      }
      reply.header('content-security-policy', CONSOLE_CSP);
      return reply.sendFile(file, dir, { cacheControl: false });
    };

    const consolePage = page('index.html');
    app.get('/console', consolePage);
    app.get<{ Params: { '*': string } }>('/console/*', async (request, reply) => {
      const rest = request.params['*'];
      if (!rest.startsWith('assets/')) return consolePage(request, reply);
      const name = rest.slice('assets/'.length);
      if (!ASSET_NAME.test(name)) return html(reply, 404, 'Page not found', 'There is nothing at this address.');
      return reply.sendFile(`assets/${name}`, dir, { immutable: true, maxAge: '365d' });
    });

    const myAccountPage = page('myaccount.html');
    app.get('/myaccount', myAccountPage);
    app.get('/myaccount/*', myAccountPage);
  };
}
