import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The bundle's entry file; its presence tells a built console from the sources (src/console/ has main.tsx). */
export const CONSOLE_ENTRY = 'app.js';

/**
 * Where the built web console is, relative to this module: dist/console/ beside dist/service/ in the
 * installed product, or the repository's dist/console/ when running from the sources (tsx).
 * Undefined when it was never built (`npm run build` builds it).
 */
export function consoleDir(): string | undefined {
  for (const rel of ['../console/', '../../dist/console/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(dir + CONSOLE_ENTRY)) return dir;
  }
  return undefined;
}

/** The console talks to its own origin only and loads nothing from elsewhere (CodeMirror injects its styles). */
export const CONSOLE_CSP = "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";
