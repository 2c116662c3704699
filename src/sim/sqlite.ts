import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * better-sqlite3, loaded for the cold start's sake: through require (an ESM import of this CommonJS
 * package makes node scan its source for export names first), and with its addon's path given as
 * `nativeBinding` (otherwise the `bindings` package searches a dozen candidate paths for it).
 */
export type Database = BetterSqlite3.Database;
export type DatabaseOptions = BetterSqlite3.Options;

const require = createRequire(import.meta.url);
let ctor: typeof BetterSqlite3 | undefined;
let addon: string | undefined | null;

/** The addon where better-sqlite3's own build puts it (build/Release); null: let `bindings` look. */
function addonPath(): string | null {
  if (addon !== undefined) return addon;
  const p = join(dirname(require.resolve('better-sqlite3')), '../build/Release/better_sqlite3.node');
  return (addon = existsSync(p) ? p : null);
}

export function openDatabase(path: string, opts: DatabaseOptions = {}): Database {
  ctor ??= require('better-sqlite3') as typeof BetterSqlite3;
  const nativeBinding = addonPath();
  return new ctor(path, nativeBinding ? { ...opts, nativeBinding } : opts);
}
