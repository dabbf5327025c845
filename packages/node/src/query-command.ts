import { parseArgs } from 'node:util';
import { resolveExporterConfig } from '@tracepoint/exporter-clickhouse/internal';
import { NO_DATA_EXIT_CODE, NoTracepointDataError, ReconnectingReads } from './reconnecting-reads.js';

export const QUERY_USAGE = `usage: tracepoint query "<SQL>" [--url <http(s)://host:8123 | <store directory> | chdb:<path>>] [--database <name>]
Prints the result as TSV (or in the statement's FORMAT). Default target: TRACEPOINT_CLICKHOUSE_URL, else the
store service on ./.tracepoint/clickhouse (started if needed), so it reads the store while apps write to it.
Exit codes of tracepoint dashboard and query: 0 done, 1 failed, 2 bad arguments, ${NO_DATA_EXIT_CODE} no tracepoint data at the
target yet (a store directory that does not exist, which is not created, or a database without tracepoint's tables).`;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** `tracepoint query "<SQL>"`: runs one statement and writes its output. Returns the exit code. */
export async function runQueryCommand(
  argv: readonly string[],
  write: (text: string) => void,
): Promise<number> {
  let sql: string;
  let config: ReturnType<typeof resolveExporterConfig>;
  try {
    const parsed = parseArgs({
      args: [...argv],
      options: { url: { type: 'string' }, database: { type: 'string' } },
      allowPositionals: true,
    });
    if (parsed.positionals.length !== 1 || (parsed.positionals[0] as string).trim() === '')
      throw new Error('tracepoint query takes one SQL statement (quote it)');
    sql = parsed.positionals[0] as string;
    config = resolveExporterConfig({ url: parsed.values.url, database: parsed.values.database });
  } catch (error) {
    write(`${error instanceof Error ? error.message : String(error)}\n${QUERY_USAGE}`);
    return 2;
  }
  let reads: ReconnectingReads | undefined;
  try {
    reads = await ReconnectingReads.open(config);
    const output = await reads.run(async (client) => {
      // exec: the statement as written (no FORMAT appended), so DDL and SELECT ... FORMAT X work too.
      const result = await client.exec({
        query: sql,
        clickhouse_settings: { default_format: 'TabSeparated' },
      });
      return readAll(result.stream);
    });
    if (output.length > 0) write(output.endsWith('\n') ? output.slice(0, -1) : output);
    return 0;
  } catch (error) {
    write(`tracepoint query: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    return error instanceof NoTracepointDataError ? error.exitCode : 1;
  } finally {
    await reads?.close().catch(() => undefined);
  }
}
