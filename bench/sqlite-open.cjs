// The floor under a plain `xk list` (bench/run.ts, cold start): node, better-sqlite3 loaded as
// src/sim/sqlite.ts loads it (resolved once, its addon given as nativeBinding), the state file
// ($XENKIT_STATE) opened as the CLI opens it and its meta and blocks read in one read transaction.
'use strict';
const { dirname, join } = require('node:path');
const main = require.resolve('better-sqlite3');
const Database = require(main);
const db = new Database(process.env.XENKIT_STATE, { fileMustExist: true, timeout: 10000, nativeBinding: join(dirname(main), '../build/Release/better_sqlite3.node') });
db.transaction(() => {
  db.prepare('SELECT key, value FROM meta').raw().all();
  db.prepare('SELECT block, domains, names FROM blocks ORDER BY block').raw().all();
}).deferred();
db.close();
