#!/usr/bin/env node
// The `db_sqlite` preset of conf/config.json: mcp-server-sqlite-npx (list_tables, describe_table,
// read_query, write_query, create_table) on the database file named by the only argument. When the
// file does not exist yet, it is first created with a few small demo tables, so the README's
// hands-on questions have something to show. Usage: node sqlite-demo-server.mjs <database path>
//
// The server runs in this same process (its module reads process.argv when imported): one node
// process per user instead of two. The database is written to a temporary name and renamed into
// place, so a start that dies half-way never leaves a partial database behind.
//
// Users' SQL runs here, so every connection is confined to its own file (sqlite-confinement.mjs:
// no ATTACH, no VACUUM INTO, no extensions), and a database path that is a symbolic link is
// refused: another user's demo.db stays out of reach even without a process sandbox.
import { existsSync, linkSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { confineSqlite3 } from './sqlite-confinement.mjs';

/** The demo tables; orders refer to customers and products. */
export const DEMO_SQL = `
CREATE TABLE customers (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT NOT NULL UNIQUE,
  city TEXT NOT NULL
);
INSERT INTO customers (id, name, email, city) VALUES
  (1, 'Alice Martin', 'alice@example.com', 'Seattle'),
  (2, 'Bob Chen', 'bob@example.com', 'Austin'),
  (3, 'Carla Diaz', 'carla@example.com', 'Denver');

CREATE TABLE products (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  category TEXT NOT NULL,
  price REAL NOT NULL,
  stock INTEGER NOT NULL
);
INSERT INTO products (id, name, category, price, stock) VALUES
  (1, 'Laptop', 'Electronics', 1299.0, 15),
  (2, 'Headphones', 'Electronics', 199.5, 42),
  (3, 'Desk Chair', 'Furniture', 249.0, 8),
  (4, 'Coffee Mug', 'Kitchen', 12.9, 120);

CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers (id),
  product_id INTEGER NOT NULL REFERENCES products (id),
  quantity INTEGER NOT NULL,
  ordered_at TEXT NOT NULL
);
INSERT INTO orders (id, customer_id, product_id, quantity, ordered_at) VALUES
  (1, 1, 1, 1, '2025-01-15'),
  (2, 2, 2, 2, '2025-01-16'),
  (3, 3, 3, 1, '2025-01-20'),
  (4, 1, 4, 4, '2025-02-02');
`;

const require = createRequire(import.meta.url);
const serverEntry = require.resolve('mcp-server-sqlite-npx');
// The sqlite3 binding the server itself loads (its dependency), so there is one native build;
// confined before the server module is imported, so every connection it opens is.
const sqlite3 = confineSqlite3(createRequire(serverEntry)('sqlite3'));

/** Creates `path` with the demo tables unless it exists. Returns whether it created it. */
export async function ensureDemoDatabase(path) {
  if (existsSync(path)) return false;
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.creating`;
  rmSync(temporary, { force: true });
  try {
    await new Promise((done, fail) => {
      const db = new sqlite3.Database(temporary, (openError) => {
        if (openError) return fail(openError);
        db.exec(DEMO_SQL, (execError) => db.close((closeError) => (execError || closeError ? fail(execError ?? closeError) : done())));
      });
    });
    // link, unlike rename, never replaces a database another start put in place meanwhile.
    try {
      linkSync(temporary, path);
    } catch (error) {
      if (error?.code === 'EEXIST') return false;
      throw error;
    }
    return true;
  } finally {
    rmSync(temporary, { force: true });
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const [databasePath, ...extra] = process.argv.slice(2);
  if (!databasePath || extra.length > 0) {
    console.error('Usage: sqlite-demo-server.mjs <database path>');
    process.exit(2);
  }
  const absolute = resolve(databasePath);
  if (lstatSync(absolute, { throwIfNoEntry: false })?.isSymbolicLink()) {
    console.error(`refusing the database ${absolute}: it is a symbolic link`);
    process.exit(1);
  }
  try {
    if (await ensureDemoDatabase(absolute)) console.error(`created the demo database ${absolute}`);
  } catch (error) {
    console.error(`cannot create the demo database ${absolute}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  process.argv = [process.argv[0], serverEntry, absolute];
  await import(pathToFileURL(serverEntry).href);
}
