// inventory: product lookups and stock reservations in PostgreSQL.
// GET /products/:sku is slow sometimes (a cold cache: ~10% of lookups take 250-650 ms).
import express from 'express';
import pg from 'pg';
import { listen, sleep, upstream } from './service-runtime.mjs';

const pool = new pg.Pool({ connectionString: upstream('SHOP_DB_URL'), max: 4 });
const app = express();
app.use(express.json());

class NotFoundError extends Error {
  constructor(message) {
    super(message);
    this.name = 'NotFoundError';
    this.status = 404;
  }
}

app.get('/products/:sku', async (req, res) => {
  if (Math.random() < 0.1) await sleep(250 + Math.random() * 400);
  const { rows } = await pool.query(
    'SELECT p.sku, p.name, p.price_cents, s.available FROM products p JOIN stock s USING (sku) WHERE p.sku = $1',
    [req.params.sku],
  );
  if (rows.length === 0) throw new NotFoundError(`no product ${req.params.sku}`);
  res.json(rows[0]);
});

app.post('/reservations', async (req, res) => {
  const { sku, quantity } = req.body;
  const { rows } = await pool.query(
    'UPDATE stock SET available = available - $2 WHERE sku = $1 AND available >= $2 RETURNING available',
    [sku, quantity],
  );
  if (rows.length === 0) throw Object.assign(new Error(`not enough ${sku}`), { status: 409 });
  res.status(201).json({ sku, quantity, available: rows[0].available });
});

listen(app, 'inventory');
