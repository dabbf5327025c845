/** A query's rows as objects (JSONEachRow). */
export async function rowsOf(client, query, query_params, clickhouse_settings) {
  const result = await client.query({ query, query_params, format: 'JSONEachRow', clickhouse_settings });
  return result.json();
}
