// The plain-text alternative of an HTML template, derived so administrators edit one body.
// Deliberately small: email HTML is paragraphs, line breaks, links, lists and tables, and a
// readable approximation beats a second body that drifts out of date.

const ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', copy: '©', reg: '®', trade: '™',
  hellip: '…', mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', euro: '€', bull: '•', middot: '·',
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

const stripTags = (html: string): string => html.replace(/<\/?[A-Za-z][^>]*>/g, '');

const attribute = (tag: string, name: string): string | undefined => {
  const match = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  return match ? decodeEntities(match[1] ?? match[2] ?? match[3] ?? '') : undefined;
};

export function htmlToText(html: string): string {
  let s = html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(script|style|head|title)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '')
    // In HTML source a run of whitespace is one space; line breaks come from the markup.
    .replace(/\s+/g, ' ');
  s = s.replace(/<a\b([^>]*)>([\s\S]*?)<\/a\s*>/gi, (_whole, attrs: string, inner: string) => {
    const label = stripTags(inner).trim();
    const href = attribute(` ${attrs}`, 'href')?.trim();
    if (!href || href.startsWith('#') || decodeEntities(label) === href) return inner;
    const target = href.toLowerCase().startsWith('mailto:') ? href.slice(7) : href;
    return decodeEntities(label) === target ? inner : `${inner} (${target})`;
  });
  s = s
    .replace(/<img\b[^>]*>/gi, (tag) => attribute(tag, 'alt') ?? '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<li\b[^>]*>/gi, '\n- ')
    .replace(/<hr\b[^>]*>/gi, '\n\n')
    .replace(/<\/?(p|h[1-6]|ul|ol|table|blockquote|pre)\b[^>]*>/gi, '\n\n')
    .replace(/<\/?(div|tr|section|article|header|footer|center|tbody|thead)\b[^>]*>/gi, '\n')
    .replace(/<\/(td|th)\s*>/gi, ' ');
  s = decodeEntities(stripTags(s));
  return s
    .split('\n').map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim()).join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
