// orders: places orders (price from inventory, stock reserved in inventory, a payment step,
// a row in PostgreSQL) and reads them back. The payment step fails on a fixed schedule: every
// 12th checkout (~8%) throws PaymentProviderError, which the caller sees as a 503. A schedule,
// not a coin toss, so even a short demo run shows a failure on the errors dashboard.
import express from 'express';
import pg from 'pg';
import { callJson, listen, upstream } from './service-runtime.mjs';

const inventory = upstream('SHOP_INVENTORY_URL');
const pool = new pg.Pool({ connectionString: upstream('SHOP_DB_URL'), max: 4 });
const app = express();
app.use(express.json());

class PaymentProviderError extends Error {
  constructor(amount) {
    super(`payment provider unavailable while charging ${(amount / 100).toFixed(2)} EUR`);
    this.name = 'PaymentProviderError';
    this.status = 503;
  }
}

const FAIL_EVERY = 12;
let charges = 0;

function charge(amountCents) {
  charges++;
  if (charges % FAIL_EVERY === 0) throw new PaymentProviderError(amountCents);
}

app.post('/orders', async (req, res) => {
  const { sku, quantity } = req.body;
  const product = await callJson(`${inventory}/products/${encodeURIComponent(sku)}`);
  const total = product.price_cents * quantity;
  charge(total);
  await callJson(`${inventory}/reservations`, { method: 'POST', body: { sku, quantity } });
  const { rows } = await pool.query(
    'INSERT INTO orders (sku, quantity, total_cents) VALUES ($1, $2, $3) RETURNING id',
    [sku, quantity, total],
  );
  res.status(201).json({ id: rows[0].id, sku, quantity, total_cents: total });
});

app.get('/orders/:id', async (req, res) => {
  const { rows } = await pool.query('SELECT id, sku, quantity, total_cents FROM orders WHERE id = $1', [
    Number(req.params.id),
  ]);
  if (rows.length === 0) return res.status(404).json({ error: 'NotFound' });
  res.json(rows[0]);
});

listen(app, 'orders');
