// renderEmail: a template and values in, the subject and the HTML and plain-text parts out.
// Pure: no I/O, no clock; the caller gathers the values (see compose.ts).
import { escapeHtml } from '../../ui/html.js';
import { htmlToText } from './html-to-text.js';
import { PLACEHOLDER, canonicalPlaceholder } from './placeholders.js';
import type { EmailTemplateContent } from './template-type.js';

/** Values by placeholder name: 'token', 'user-name', 'user.claim.given_name' … Missing ones render empty. */
export type EmailValues = Readonly<Record<string, string | undefined>>;

export interface RenderedEmail {
  /** One line: CR, LF and other control characters never reach the Subject header. */
  subject: string;
  /** Undefined for a text/plain template (the email has one part). */
  html: string | undefined;
  text: string;
}

export const isHtml = (contentType: string): boolean => /^\s*text\/html\s*(;|$)/i.test(contentType);

const lookup = (values: EmailValues, name: string): string => {
  const key = canonicalPlaceholder(name);
  return Object.hasOwn(values, key) ? values[key] ?? '' : '';
};

const substitute = (text: string, value: (name: string) => string): string =>
  text.replace(PLACEHOLDER, (_whole, name: string) => value(name));

// Line breaks (and other controls) become one space, so no value or template text can
// start a new header line; U+2028/2029 and NEL too, for mailers that treat them as breaks.
const oneLine = (text: string): string => text.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ').replace(/ {2,}/g, ' ').trim();

// Private-use characters stand for the placeholders while the HTML becomes text, so a
// value is inserted after the conversion, raw, and can never be read as markup or entity.
const OPEN = '\uE000';
const CLOSE = '\uE001';

function textFromHtml(html: string, value: (name: string) => string): string {
  const names: string[] = [];
  const marked = html.replace(/[\uE000\uE001]/g, '').replace(PLACEHOLDER, (_whole, name: string) => `${OPEN}${names.push(name) - 1}${CLOSE}`);
  return htmlToText(marked).replace(/\uE000(\d+)\uE001/g, (_whole, index: string) => value(names[Number(index)]!));
}

export function renderEmail(template: EmailTemplateContent, values: EmailValues): RenderedEmail {
  const raw = (name: string) => lookup(values, name);
  const subject = oneLine(substitute(template.subject, raw));
  if (!isHtml(template.contentType)) {
    const text = [template.body.trimEnd(), template.footer.trim()].filter(Boolean).join('\n\n');
    return { subject, html: undefined, text: substitute(text, raw).trim() };
  }
  const source = template.footer.trim() ? `${template.body}\n${template.footer}` : template.body;
  return {
    subject,
    html: substitute(source, (name) => escapeHtml(raw(name))),
    text: textFromHtml(source, raw).trim(),
  };
}
