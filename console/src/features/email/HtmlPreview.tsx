// Shows an email's HTML part without letting it do anything: the HTML is parsed inertly
// (DOMParser runs no scripts and loads nothing) and rebuilt element by element from an
// allow-list into a sandboxed iframe that may not run scripts. The console's CSP forbids
// inline styles, and an about:srcdoc frame inherits it, so the email's style attributes are
// applied through the CSSOM (element.style), which the CSP allows; <style> blocks, scripts,
// forms, frames and event handlers are dropped. Images show only as data: URLs (the CSP's
// img-src), so a preview never fetches a remote image.
import { useCallback, useEffect, useRef } from 'react';

const BLANK = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Email preview</title></head><body></body></html>';

/** Elements rebuilt as themselves. */
const KEEP = new Set([
  'a', 'abbr', 'b', 'big', 'blockquote', 'br', 'caption', 'center', 'cite', 'code', 'col', 'colgroup', 'dd', 'del', 'div', 'dl', 'dt',
  'em', 'font', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'img', 'ins', 'kbd', 'li', 'mark', 'ol', 'p', 'pre', 'q', 's', 'small',
  'span', 'strike', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'tt', 'u', 'ul',
]);
/** Elements dropped with everything inside them; any other element is replaced by its children. */
const DROP = new Set([
  'script', 'style', 'template', 'noscript', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'svg', 'math', 'head', 'title',
  'meta', 'link', 'base', 'form', 'input', 'button', 'select', 'option', 'textarea', 'audio', 'video', 'source', 'track', 'canvas', 'dialog', 'portal',
]);
/** Presentational attributes only: nothing here can run code or fetch. */
const ATTRIBUTES = new Set(['align', 'valign', 'width', 'height', 'colspan', 'rowspan', 'border', 'cellpadding', 'cellspacing', 'bgcolor', 'color', 'face', 'size', 'alt', 'title', 'dir', 'lang', 'start', 'type']);
const SAFE_LINK = /^(https?:|mailto:)/i;
const DATA_IMAGE = /^data:image\/(png|gif|jpeg|webp);base64,[A-Za-z0-9+/=\s]+$/i;

function rebuild(source: Node, doc: Document): Node[] {
  if (source.nodeType === Node.TEXT_NODE) return [doc.createTextNode(source.textContent ?? '')];
  if (source.nodeType !== Node.ELEMENT_NODE) return [];
  const element = source as Element;
  const tag = element.localName;
  const children = () => [...element.childNodes].flatMap((child) => rebuild(child, doc));
  if (DROP.has(tag)) return [];
  if (!KEEP.has(tag)) return children();
  if (tag === 'img') {
    const src = element.getAttribute('src') ?? '';
    if (!DATA_IMAGE.test(src)) {
      const alt = element.getAttribute('alt');
      return alt ? [doc.createTextNode(`[image: ${alt}]`)] : [];
    }
  }
  const out = doc.createElement(tag);
  for (const { name, value } of [...element.attributes]) {
    if (ATTRIBUTES.has(name)) out.setAttribute(name, value);
  }
  if (tag === 'img') out.setAttribute('src', element.getAttribute('src')!);
  if (tag === 'a') {
    // Links are shown, not followed: the URL is in the title, and a click does nothing.
    const href = element.getAttribute('href') ?? '';
    if (SAFE_LINK.test(href)) out.setAttribute('title', href);
    out.style.cssText = 'color:#0b4f8a;text-decoration:underline;cursor:default';
  }
  const style = element.getAttribute('style');
  if (style) out.style.cssText += `;${style}`;
  out.append(...children());
  return [out];
}

/** The email's HTML rebuilt as safe nodes of `doc`. */
export function safeEmailNodes(html: string, doc: Document): Node[] {
  const parsed = new DOMParser().parseFromString(html, 'text/html');
  return [...parsed.body.childNodes].flatMap((node) => rebuild(node, doc));
}

export function HtmlPreview({ html, title }: { html: string; title: string }) {
  const frame = useRef<HTMLIFrameElement>(null);

  const render = useCallback(() => {
    const element = frame.current;
    const doc = element?.contentDocument;
    // Before the srcdoc document has loaded there is nothing to write into; onLoad renders then.
    if (!element || !doc?.body || doc.readyState !== 'complete') return;
    doc.body.style.cssText = 'margin:12px;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.45;color:#1b1f24;overflow-wrap:anywhere';
    doc.body.replaceChildren(...safeEmailNodes(html, doc));
    element.style.height = `${Math.min(Math.max(doc.documentElement.scrollHeight, 120), 900)}px`;
  }, [html]);

  useEffect(render, [render]);

  return <iframe ref={frame} className="email-frame" title={title} sandbox="allow-same-origin" srcDoc={BLANK} onLoad={render} />;
}
