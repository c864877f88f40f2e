// Serves the admin console (console/, built by Vite into dist/console/) at /console and
// /t/{tenant}/console: the hashed bundles under /console/assets/ (cached for good), and
// index.html for every other path below /console, since the SPA routes itself. The page
// gets the console's CSP (its own scripts only); everything else keeps the strict one.
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

    const page = async (request: FastifyRequest, reply: FastifyReply) => {
      if (!request.tenant) return html(reply, 404, 'Not found', 'There is no such organization on this server.');
      // Checked per request, so a console built after the server started is served at once.
      if (!existsSync(join(dir, 'index.html'))) {
        return html(reply, 503, 'The console is not built', 'This server has no console build. Run "npm run build:console" (npm start builds it when it is missing) and reload this page.');
      }
      reply.header('content-security-policy', CONSOLE_CSP);
      return reply.sendFile('index.html', dir, { cacheControl: false });
    };

    app.get('/console', page);
    app.get<{ Params: { '*': string } }>('/console/*', async (request, reply) => {
      const rest = request.params['*'];
      if (!rest.startsWith('assets/')) return page(request, reply);
      const name = rest.slice('assets/'.length);
      if (!ASSET_NAME.test(name)) return html(reply, 404, 'Page not found', 'There is nothing at this address.');
      return reply.sendFile(`assets/${name}`, dir, { immutable: true, maxAge: '365d' });
    });
  };
}
