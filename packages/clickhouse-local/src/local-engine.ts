import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Session } from 'chdb';
import { ErrorCode, LocalClickHouseError } from './clickhouse-error.js';
import { insertFormat, insertFromFile, passesAsText } from './insert-statement.js';
import { pinnedConnectionArgs } from './pinned-settings.js';
import { openSpoolDirectory } from './spool-directory.js';

export interface EngineRequest {
  /**
   * The statement. Insert rows either follow it inline (`INSERT ... FORMAT X\n<rows>`, text
   * formats only) or come separately in `data`.
   */
  sql: string;
  /**
   * Rows of an `INSERT ... FORMAT X` statement, as bytes (an HTTP body): any format, binary
   * ones included, lands byte for byte.
   */
  data?: Uint8Array;
  /** Database the statement runs in. */
  database: string;
  /** Output format when the statement names none. */
  defaultFormat: string;
  /** Settings for this statement only. */
  settings: ReadonlyMap<string, string>;
  /** Values for `{name:Type}` placeholders, in the escaped text form of HTTP `param_*` values. */
  params: ReadonlyMap<string, string>;
  /** The statement text without inline insert data, searched for placeholders. */
  statementText?: string;
}

export interface EngineResult {
  body: Uint8Array;
  /** Rows in the result (chDB reports these, not the rows a SELECT read from tables). */
  resultRows: number;
  /** Rows and bytes an INSERT wrote, including materialized-view targets (the InsertedRows/InsertedBytes events). */
  writtenRows: number;
  writtenBytes: number;
  isInsert: boolean;
  elapsedNs: number;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Leading comments and whitespace, then INSERT: the statement writes rows.
const INSERT_STATEMENT = /^\s*(?:(?:--[^\n]*\n|\/\*[\s\S]*?\*\/)\s*)*INSERT\b/i;
// A statement that may change session state (settings or current database) by itself.
const SESSION_STATEMENT = /\b(?:SET|USE)\b/i;
const PLACEHOLDER = /\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:/g;

function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Where binary insert bodies are written for chDB to read: tmpfs when the host has
 * one (/dev/shm), so the file is a memory copy, else the OS temp directory.
 */
function spoolRoot(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

/**
 * One chDB session on a data directory, used the way a ClickHouse server uses
 * sessions for HTTP requests: each request sees the server's own settings and
 * database, whatever requests before it set.
 *
 * Requests are queued and run one at a time (chDB runs one statement at a time
 * per session anyway). A request that carries settings, or whose statement may
 * change session state (`SET`, `USE`), runs on a connection of its own that is
 * closed afterwards; every other request, and all of the server's bookkeeping
 * (insert counters, the current database), runs on the long-lived session, so
 * none of it ever runs under a request's settings. A request's `readonly=1`,
 * `max_result_rows=1` or `max_execution_time` cannot break the bookkeeping, nor
 * outlive the request (measured: opening the extra connection costs ~3 ms, about
 * what applying and rolling back settings on one session did).
 */
export class LocalEngine {
  readonly path: string;
  private readonly session: Session;
  private tail: Promise<unknown> = Promise.resolve();
  private currentDatabase: string | undefined;
  private spoolDir: string | undefined;
  private spooled = 0;
  private closed = false;

  constructor(path: string) {
    this.path = resolve(path);
    mkdirSync(this.path, { recursive: true });
    this.session = this.openSession();
  }

  /** Runs one request; requests run one after another in arrival order. */
  run(request: EngineRequest): Promise<EngineResult> {
    const job = this.tail.then(() => this.execute(request));
    this.tail = job.catch(() => undefined);
    return job;
  }

  async version(): Promise<string> {
    const result = await this.run({
      sql: 'SELECT version()',
      database: 'default',
      defaultFormat: 'TSV',
      settings: new Map(),
      params: new Map(),
    });
    return new TextDecoder().decode(result.body).trim();
  }

  /** Waits for queued requests, then closes the session. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail;
    this.session.close();
    if (this.spoolDir !== undefined) rmSync(this.spoolDir, { recursive: true, force: true });
  }

  private openSession(): Session {
    return new Session(this.path, { connectionArgs: pinnedConnectionArgs() });
  }

  private async execute(request: EngineRequest): Promise<EngineResult> {
    if (this.closed) throw LocalClickHouseError.of(ErrorCode.STD_EXCEPTION, 'the local engine is closed');
    const statementText = request.statementText ?? request.sql;
    const ownConnection = request.settings.size > 0 || SESSION_STATEMENT.test(statementText);
    let session = this.session;
    let spoolFile: string | undefined;
    try {
      if (ownConnection) {
        session = this.openSession();
        // A fresh connection starts in `default`.
        if (request.database !== 'default')
          await this.statement(session, `USE ${databaseName(request.database)}`);
      } else {
        await this.useDatabase(request.database);
      }
      // Parameters before settings: a request's readonly=1 refuses every later SET.
      await this.bindParameters(session, request);
      for (const [name, value] of request.settings) {
        if (!IDENTIFIER.test(name)) {
          throw LocalClickHouseError.of(
            ErrorCode.BAD_ARGUMENTS,
            `Invalid setting name ${JSON.stringify(name)}`,
          );
        }
        await this.statement(session, `SET ${name} = ${quoteString(value)}`);
      }
      let sql = request.sql;
      if (request.data !== undefined && request.data.byteLength > 0) {
        const format = insertFormat(request.sql);
        if (format === undefined || passesAsText(format, request.data)) {
          sql = `${request.sql}\n${Buffer.from(request.data.buffer, request.data.byteOffset, request.data.byteLength).toString('utf8')}`;
        } else {
          spoolFile = await this.spool(request.data);
          sql = insertFromFile(request.sql, spoolFile);
        }
      }
      const isInsert = INSERT_STATEMENT.test(sql);
      const before = isInsert ? await this.insertCounters() : undefined;
      const result = await session.queryAsync(sql, { format: request.defaultFormat });
      const after = before ? await this.insertCounters() : undefined;
      return {
        body: result.bytes(),
        resultRows: isInsert ? 0 : result.rowsRead,
        writtenRows: before && after ? after.rows - before.rows : 0,
        writtenBytes: before && after ? after.bytes - before.bytes : 0,
        isInsert,
        elapsedNs: Math.round(result.elapsed * 1e9),
      };
    } catch (err) {
      throw LocalClickHouseError.from(err);
    } finally {
      if (session !== this.session) session.close();
      if (spoolFile !== undefined) await unlink(spoolFile).catch(() => undefined);
    }
  }

  /**
   * Writes a binary insert body to a private file for `INSERT ... FROM INFILE`.
   *
   * chDB 3.4 cannot take binary rows another way: query text goes through a JS
   * string (bytes >= 0x80 that are not UTF-8 get mangled), its Buffer insert
   * (`Session.insert`) accepts text formats only, and its native raw insert, which
   * does take RowBinary, loses rows past ~330 KB (CANNOT_READ_ALL_DATA at a fixed
   * row; measured 2026-12-02). Cost of the file (same run, 2 cores, /dev/shm):
   * writing it is ~1 ms per MiB; a FROM INFILE insert costs ~0.6-1 ms more per
   * insert than the same rows as inline text at 100 rows (2.6 vs 2.0 ms), and at
   * 20k spans (2.6 MiB RowBinary) the whole RowBinary insert takes 46 ms against
   * 106 ms for the same rows as inline JSONCompactEachRow text (3.6 MiB).
   * Where a RowBinary insert's CPU goes (in-process, 20k otel_traces-shaped rows into
   * a Null table, µs/span): 10.4 into LowCardinality columns, 4.6 into the same columns
   * as plain String, 5.3 for `INSERT ... SELECT * FROM file(f, RowBinary, <plain String
   * structure>)` into the LowCardinality table: reading LowCardinality row by row is
   * most of it. JSONCompactEachRow: 20.5 inline, 10.7 through a file.
   */
  private async spool(data: Uint8Array): Promise<string> {
    this.spoolDir ??= openSpoolDirectory(spoolRoot());
    this.spooled += 1;
    const file = join(this.spoolDir, `body-${this.spooled}`);
    await writeFile(file, data, { mode: 0o600 });
    return file;
  }

  /**
   * `SET param_x = '<value>'` hands the value to the engine in exactly the escaped
   * text form HTTP `param_x` uses, so every type parses as on a server. Parameters
   * outlive the statement in a session, so a placeholder this request did not send
   * is refused here, as a server refuses it, instead of taking a stale value.
   */
  private async bindParameters(session: Session, request: EngineRequest): Promise<void> {
    for (const match of (request.statementText ?? request.sql).matchAll(PLACEHOLDER)) {
      const name = match[1] as string;
      if (!request.params.has(name)) {
        throw LocalClickHouseError.of(
          ErrorCode.UNKNOWN_QUERY_PARAMETER,
          `Substitution \`${name}\` is not set`,
        );
      }
    }
    for (const [name, value] of request.params) {
      if (!IDENTIFIER.test(name)) {
        throw LocalClickHouseError.of(
          ErrorCode.BAD_ARGUMENTS,
          `Invalid query parameter name ${JSON.stringify(name)}`,
        );
      }
      await this.statement(session, `SET param_${name} = ${quoteString(value)}`);
    }
  }

  private async statement(session: Session, sql: string): Promise<string> {
    const result = await session.queryAsync(sql, { format: 'TSV' });
    return result.text();
  }

  private async useDatabase(database: string): Promise<void> {
    if (this.currentDatabase === database) return;
    this.currentDatabase = undefined;
    await this.statement(this.session, `USE ${databaseName(database)}`);
    this.currentDatabase = database;
  }

  /** InsertedRows/InsertedBytes are process-wide counters: read on the server's own session. */
  private async insertCounters(): Promise<{ rows: number; bytes: number }> {
    const text = await this.statement(
      this.session,
      "SELECT event, value FROM system.events WHERE event IN ('InsertedRows', 'InsertedBytes')",
    );
    let rows = 0;
    let bytes = 0;
    for (const line of text.split('\n')) {
      const [event, value] = line.split('\t');
      if (event === 'InsertedRows') rows = Number(value);
      else if (event === 'InsertedBytes') bytes = Number(value);
    }
    return { rows, bytes };
  }
}

function databaseName(database: string): string {
  if (!IDENTIFIER.test(database)) {
    throw LocalClickHouseError.of(
      ErrorCode.BAD_ARGUMENTS,
      `Invalid database name ${JSON.stringify(database)}`,
    );
  }
  return database;
}
