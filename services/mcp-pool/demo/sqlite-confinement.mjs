// Confines every connection a node-sqlite3 module opens to its own database file, so a user's
// SQL (the db_sqlite preset runs whatever the model writes) cannot read or write another file,
// such as another user's demo.db. node-sqlite3 has no authorizer hook, so this rests on what
// SQLite itself enforces, checked for each case by sqlite-confinement.test.ts:
// - SQLITE_LIMIT_ATTACHED = 0: `ATTACH DATABASE` fails ("too many attached databases - max 0"),
//   and so does `VACUUM INTO '<file>'`, which attaches its target internally.
// - load_extension() stays off: node-sqlite3 only enables it inside its own loadExtension()
//   call, which the server never makes ("not authorized").
// - `PRAGMA temp_store_directory` / `data_store_directory` would move this process's temporary
//   files into any directory it can write: refused before SQLite sees the statement.

/** Statements refused before they reach SQLite, with why. */
const REFUSED_STATEMENTS = [
  { pattern: /\bpragma\b[\s\S]*\b(?:temp_store_directory|data_store_directory)\b/i, reason: 'PRAGMA temp_store_directory and data_store_directory are not allowed' },
];

/** Methods of sqlite3.Database whose first argument is SQL. */
const SQL_METHODS = ['run', 'get', 'all', 'each', 'exec', 'prepare', 'map'];

const CONFINED = Symbol.for('bedrock-mcp.sqlite-confined');

/** Why `sql` is refused, or undefined. Comments are removed first, so they cannot hide a keyword. */
export function refusedStatementReason(sql) {
  const text = String(sql).replace(/\/\*[\s\S]*?(?:\*\/|$)|--[^\n]*/g, ' ');
  return REFUSED_STATEMENTS.find(({ pattern }) => pattern.test(text))?.reason;
}

/**
 * Replaces `sqlite3.Database` (the module object every importer shares) with a subclass whose
 * connections have no room for attached databases and refuse the statements above. Call before
 * anything opens a database. Idempotent.
 */
export function confineSqlite3(sqlite3) {
  if (sqlite3.Database[CONFINED]) return sqlite3;
  const Base = sqlite3.Database;
  class ConfinedDatabase extends Base {
    /** (filename, mode?, callback?) as sqlite3.Database. */
    constructor(filename, ...rest) {
      const callbackAt = rest.findIndex((argument) => typeof argument === 'function');
      const callback = callbackAt === -1 ? undefined : rest[callbackAt];
      const options = callbackAt === -1 ? rest : rest.slice(0, callbackAt);
      // node-sqlite3 calls the open callback before it runs any queued statement, and a
      // configure() made there runs at once: the limit is in place before any SQL runs. (Queued
      // from the constructor instead, it would run after statements issued in the callback.)
      super(filename, ...options, function onOpen(error) {
        if (!error) this.configure('limit', sqlite3.LIMIT_ATTACHED, 0);
        if (callback) callback.call(this, error);
        else if (error) this.emit('error', error);
      });
    }
  }
  for (const method of SQL_METHODS) {
    const original = Base.prototype[method];
    if (typeof original !== 'function') continue;
    ConfinedDatabase.prototype[method] = function (sql, ...rest) {
      const reason = refusedStatementReason(sql);
      if (reason === undefined) return original.call(this, sql, ...rest);
      const error = Object.assign(new Error(`SQLITE_AUTH: ${reason}`), { code: 'SQLITE_AUTH' });
      const callback = rest.findLast((argument) => typeof argument === 'function');
      if (callback) process.nextTick(() => callback.call(this, error));
      else throw error;
      return this;
    };
  }
  ConfinedDatabase[CONFINED] = true;
  sqlite3.Database = ConfinedDatabase;
  return sqlite3;
}
