// A User-Agent header as people name their device: "Firefox on Linux". Hand-written: a
// few browser and OS families are all the sessions list needs, and a parser library would
// outweigh the page. Order matters, because browsers borrow each other's tokens: Edge and
// Opera also say Chrome and Safari, Chrome says Safari, iOS says "like Mac OS X", Android
// and ChromeOS say Linux.

const BROWSERS: ReadonlyArray<readonly [string, RegExp]> = [
  ['Edge', /\bEdg(e|A|iOS)?\//],
  ['Opera', /\bOPR\/|\bOPiOS\/|\bOpera\b/],
  ['Firefox', /\bFirefox\/|\bFxiOS\//],
  // "HeadlessChrome/" has no word boundary before "Chrome".
  ['Chrome', /Chrome\/|\bCriOS\/|\bChromium\//],
  ['Safari', /\bSafari\//],
];

const SYSTEMS: ReadonlyArray<readonly [string, RegExp]> = [
  ['Windows', /\bWindows\b/],
  ['iOS', /\b(iPhone|iPad|iPod)\b/],
  ['Android', /\bAndroid\b/],
  ['ChromeOS', /\bCrOS\b/],
  ['macOS', /\bMac OS X\b|\bMacintosh\b/],
  ['Linux', /\bLinux\b/],
];

const first = (list: ReadonlyArray<readonly [string, RegExp]>, text: string): string | undefined =>
  list.find(([, pattern]) => pattern.test(text))?.[0];

/** "Firefox on Linux", "Safari", "Unknown browser on Windows", "Unknown browser". */
export function describeDevice(userAgent: string | undefined): string {
  const text = userAgent ?? '';
  const browser = first(BROWSERS, text) ?? 'Unknown browser';
  const system = first(SYSTEMS, text);
  return system ? `${browser} on ${system}` : browser;
}
