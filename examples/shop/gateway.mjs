// gateway: the public API. Passes product views to inventory and checkouts and order
// lookups to orders.
import express from 'express';
import { callJson, listen, upstream } from './service-runtime.mjs';

const inventory = upstream('SHOP_INVENTORY_URL');
const orders = upstream('SHOP_ORDERS_URL');
const app = express();
app.use(express.json());

app.get('/api/products/:sku', async (req, res) => {
  res.json(await callJson(`${inventory}/products/${encodeURIComponent(req.params.sku)}`));
});

app.post('/api/checkout', async (req, res) => {
  const { sku, quantity = 1 } = req.body;
  res.status(201).json(await callJson(`${orders}/orders`, { method: 'POST', body: { sku, quantity } }));
});

app.get('/api/orders/:id', async (req, res) => {
  res.json(await callJson(`${orders}/orders/${encodeURIComponent(req.params.id)}`));
});

listen(app, 'gateway');
