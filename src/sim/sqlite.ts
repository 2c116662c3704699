import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * better-sqlite3, loaded for the cold start's sake: through require (an ESM import of this CommonJS
 * package makes node scan its source for export names first); the package found once (require.resolve),
 * then loaded by that path (a second bare `require('better-sqlite3')` would search node_modules and
 * read package.json files again); and its addon's path given as `nativeBinding` (otherwise the
 * `bindings` package searches a dozen candidate paths for it).
 */
export type Database = BetterSqlite3.Database;
export type DatabaseOptions = BetterSqlite3.Options;

const require = createRequire(import.meta.url);
let loaded: { ctor: typeof BetterSqlite3; addon: string | null } | undefined;

/** The package's main file as node resolves it from here (installed as a dependency or not), and its addon where better-sqlite3's own build puts it (build/Release); null: let `bindings` look. */
function load(): { ctor: typeof BetterSqlite3; addon: string | null } {
  const main = require.resolve('better-sqlite3');
  const p = join(dirname(main), '../build/Release/better_sqlite3.node');
  return { ctor: require(main) as typeof BetterSqlite3, addon: existsSync(p) ? p : null };
}

export function openDatabase(path: string, opts: DatabaseOptions = {}): Database {
  const { ctor, addon } = (loaded ??= load());
  return new ctor(path, addon ? { ...opts, nativeBinding: addon } : opts);
}
