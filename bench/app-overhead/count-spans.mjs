// node count-spans.mjs <data directory> <service.name>: prints how many spans of that service
// otel_traces holds in an embedded store (chDB), in its own process so the benchmark's never
// loads the engine. Run after the app has exited and released the directory.
import { createEmbeddedClient } from '@tracepoint/clickhouse-local';

const [path, service] = process.argv.slice(2);
const client = createEmbeddedClient({ path });
try {
  const result = await client.query({
    query: `SELECT count() AS n FROM default.otel_traces WHERE ServiceName = '${service.replace(/[^\w.-]/g, '')}'`,
    format: 'JSONEachRow',
  });
  const [row] = await result.json();
  console.log(Number(row?.n ?? 0));
} finally {
  await client.close();
}
