import { parseArgs } from 'node:util';
import {
  openConnection,
  resolveExporterConfig,
  SpillDirectory,
  sendInsert,
} from '@tracepoint/exporter-clickhouse/internal';

export const REPLAY_USAGE = `usage: tracepoint replay <spill directory> [--url <http(s)://host:8123 | <store directory> | chdb:<path>>]
Sends the inserts a spill directory holds (TRACEPOINT_SPILL_DIR of a process that stopped) to ClickHouse, oldest
first, each with its deduplication token (an insert that already landed is dropped by the server), and deletes each
segment once all its inserts landed. Default target: TRACEPOINT_CLICKHOUSE_URL, else the store service on
./.tracepoint/clickhouse. Refused while a live process holds the directory. Exit codes: 0 done, 1 failed (what was
not sent stays in the directory), 2 bad arguments.`;

/** `tracepoint replay <dir>`: replays a spill directory by hand. Returns the exit code. */
export async function runReplayCommand(
  argv: readonly string[],
  write: (text: string) => void,
): Promise<number> {
  let dir: string;
  let config: ReturnType<typeof resolveExporterConfig>;
  try {
    const parsed = parseArgs({
      args: [...argv],
      options: { url: { type: 'string' } },
      allowPositionals: true,
    });
    if (parsed.positionals.length !== 1 || (parsed.positionals[0] as string).trim() === '')
      throw new Error('tracepoint replay takes one spill directory');
    dir = parsed.positionals[0] as string;
    config = resolveExporterConfig({ url: parsed.values.url }, { ...process.env, TRACEPOINT_SPILL_DIR: '' });
  } catch (error) {
    write(`${error instanceof Error ? error.message : String(error)}\n${REPLAY_USAGE}`);
    return 2;
  }
  let spill: SpillDirectory;
  try {
    spill = SpillDirectory.open({ dir });
  } catch (error) {
    write(`tracepoint replay: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  let inserts = 0;
  let rows = 0;
  try {
    const connection = await openConnection(config);
    try {
      // Runs of records never sent go as one insert each, as the exporter's replay sends them.
      for (let run = await spill.nextRun(); run !== undefined; run = await spill.nextRun()) {
        await sendInsert(connection, run.statement, run.chunks, { insert_deduplication_token: run.token });
        for (const record of run.records) await spill.ack(record);
        inserts++;
        rows += run.rows;
      }
    } finally {
      await connection.close().catch(() => undefined);
    }
    const { corruptedRecords, tornTails } = spill.stats();
    write(
      `replayed ${inserts} inserts (${rows} rows) from ${dir} to ${config.destination.label}` +
        (corruptedRecords + tornTails > 0
          ? `; skipped ${corruptedRecords} corrupted records and ${tornTails} torn segment ends`
          : ''),
    );
    return 0;
  } catch (error) {
    write(
      `tracepoint replay: ${error instanceof Error ? error.message.split('\n')[0] : String(error)} (after ${inserts} inserts, ${rows} rows; the rest stays in ${dir})`,
    );
    return 1;
  } finally {
    await spill.close().catch(() => undefined);
  }
}
