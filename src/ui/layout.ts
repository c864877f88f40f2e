// The shell every server-rendered page shares. No scripts: pages work without JavaScript,
// and the CSP forbids inline script anyway.
import { escapeHtml } from './html.js';

export interface LayoutOptions {
  title: string;
  /** e.g. "Sign in to Acme Portal" — names the application. */
  heading: string;
  body: string;
  error?: string;
  notice?: string;
}

const STYLE = `
  *{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f4f6;color:#111827}
  main{max-width:400px;margin:8vh auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
  h1{font-size:1.35rem;margin:0 0 1.25rem}.field{margin-bottom:1rem}label{display:block;font-weight:600;margin-bottom:.3rem}
  input{width:100%;padding:.6rem .7rem;font-size:1rem;border:1px solid #9ca3af;border-radius:6px}
  input:focus,button:focus{outline:3px solid #2563eb;outline-offset:1px}
  button{width:100%;padding:.7rem;font-size:1rem;font-weight:600;color:#fff;background:#1d4ed8;border:0;border-radius:6px;cursor:pointer}
  .error{background:#fef2f2;color:#991b1b;border:1px solid #fecaca;padding:.75rem;border-radius:6px;margin-bottom:1rem}
  .notice{background:#eff6ff;color:#1e3a8a;border:1px solid #bfdbfe;padding:.75rem;border-radius:6px;margin-bottom:1rem}
  .help{color:#4b5563;font-size:.875rem;margin:.3rem 0 0}ol{padding-left:1.25rem}.qr{text-align:center}.qr img{image-rendering:pixelated}
  .secret code{display:block;text-align:center;font:600 1.05rem/1.6 ui-monospace,Menlo,Consolas,monospace;letter-spacing:.05em;word-spacing:.3em;background:#f9fafb;padding:.5rem;border-radius:6px}
  .alt{text-align:center;margin:1rem 0 0}button.link{width:auto;padding:.2rem;background:none;color:#1d4ed8;font-weight:600;text-decoration:underline}
  footer{text-align:center;color:#4b5563;font-size:.8rem;margin-top:1rem}`;

export function renderLayout(opts: LayoutOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(opts.title)} · Gatehouse</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(opts.heading)}</h1>
${opts.error ? `<p class="error" role="alert">${escapeHtml(opts.error)}</p>` : ''}
${opts.notice ? `<p class="notice" role="status">${escapeHtml(opts.notice)}</p>` : ''}
${opts.body}
</main>
<footer>Gatehouse</footer>
</body>
</html>`;
}

/** A page for a person when something cannot go on (expired login, bad request, …). */
export function renderErrorPage(title: string, message: string): string {
  return renderLayout({ title, heading: title, body: '', error: message });
}
