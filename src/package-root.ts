// The package's root directory, found from this module's own location: the sources
// (src/), tsc's output (dist/…) and the bundled server (dist/main.js) sit at different
// depths below it, so a fixed '../..' would be right for only some of them.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}
