// The shop's database: a real PostgreSQL engine (PGlite, Postgres compiled to WebAssembly)
// served over the PostgreSQL wire protocol, so the services use the ordinary `pg` client and
// its OpenTelemetry instrumentation. Not traced itself: it stands for a database server.
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const port = Number(process.env.SHOP_DB_PORT ?? 0);
const db = await PGlite.create();
await db.exec(`
  CREATE TABLE products (sku text PRIMARY KEY, name text NOT NULL, price_cents integer NOT NULL);
  CREATE TABLE stock (sku text PRIMARY KEY REFERENCES products, available integer NOT NULL);
  CREATE TABLE orders (
    id serial PRIMARY KEY, sku text NOT NULL REFERENCES products, quantity integer NOT NULL,
    total_cents integer NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
  INSERT INTO products
    SELECT 'SKU-' || lpad(n::text, 4, '0'), 'Product ' || n, 100 + (n * 37) % 9000 FROM generate_series(1, 200) n;
  INSERT INTO stock SELECT sku, 1000000 FROM products;
`);
const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 16 });
await server.start();
// The demo reads the port from this line.
console.log(`shop-db listening ${server.getServerConn()}`);

const stop = async () => {
  await server.stop();
  await db.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
