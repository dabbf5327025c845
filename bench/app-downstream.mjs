// The app's downstream service and the OTLP sink in one untraced process:
// GET /inventory/:id answers a small JSON document; POST /v1/traces takes an
// OTLP export (protobuf or JSON), counts its spans by service.name and answers
// 200, like a collector that keeps nothing. IPC 'spans' answers the counts.
import http from 'node:http';

/** The fields of a protobuf message: [field number, wire type, value or [start, end]]. */
function* fields(buf, start, end) {
  let at = start;
  const varint = () => {
    let value = 0;
    let shift = 1;
    for (;;) {
      const byte = buf[at++];
      value += (byte & 0x7f) * shift;
      if (byte < 0x80) return value;
      shift *= 128;
    }
  };
  while (at < end) {
    const key = varint();
    const wire = key & 7;
    if (wire === 0) yield [key >>> 3, wire, varint()];
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const length = varint();
      yield [key >>> 3, wire, [at, at + length]];
      at += length;
    } else throw new Error(`protobuf wire type ${wire}`);
  }
}
const sub = (buf, [from, to], field) =>
  [...fields(buf, from, to)].filter((f) => f[0] === field && f[1] === 2);

/** service.name -> spans in an ExportTraceServiceRequest (resource_spans 1 > resource 1 / scope_spans 2 > spans 2). */
function protobufSpans(buf, counts) {
  for (const [, , rs] of sub(buf, [0, buf.length], 1)) {
    let service = '';
    for (const [, , resource] of sub(buf, rs, 1)) {
      for (const [, , kv] of sub(buf, resource, 1)) {
        const key = sub(buf, kv, 1)[0];
        if (key && buf.toString('utf8', key[2][0], key[2][1]) === 'service.name') {
          const value = sub(buf, sub(buf, kv, 2)[0][2], 1)[0];
          if (value) service = buf.toString('utf8', value[2][0], value[2][1]);
        }
      }
    }
    let spans = 0;
    for (const [, , ss] of sub(buf, rs, 2)) spans += sub(buf, ss, 2).length;
    counts.set(service, (counts.get(service) ?? 0) + spans);
  }
}

function jsonSpans(body, counts) {
  for (const rs of JSON.parse(body).resourceSpans ?? []) {
    const name = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value?.stringValue ?? '';
    const spans = (rs.scopeSpans ?? []).reduce((n, ss) => n + (ss.spans?.length ?? 0), 0);
    counts.set(name, (counts.get(name) ?? 0) + spans);
  }
}

const counts = new Map();
const server = http.createServer((req, res) => {
  if (req.method === 'POST') {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      try {
        if ((req.headers['content-type'] ?? '').includes('json')) jsonSpans(body.toString('utf8'), counts);
        else protobufSpans(body, counts);
      } catch {
        counts.set('(unreadable)', (counts.get('(unreadable)') ?? 0) + 1);
      }
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
    return;
  }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ id: req.url.split('/').pop(), available: 42, warehouse: 'north' }));
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'spans') process.send({ spans: Object.fromEntries(counts) });
});
process.on('disconnect', () => process.exit(0));
