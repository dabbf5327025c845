import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Session } from 'chdb';
import { ErrorCode, LocalClickHouseError } from './clickhouse-error.js';
import { pinnedConnectionArgs } from './pinned-settings.js';

export interface EngineRequest {
  /** The whole statement, with inline data for inserts (`INSERT ... FORMAT X\n<rows>`). */
  sql: string;
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
 * One chDB session on a data directory, used the way a ClickHouse server uses
 * sessions for HTTP requests: each request sees the server's own settings and
 * database, whatever requests before it set.
 *
 * chDB runs one statement at a time per session anyway, so requests are queued
 * here; that is what makes per-request settings safe to apply with SET and
 * roll back afterwards.
 */
export class LocalEngine {
  readonly path: string;
  private readonly session: Session;
  private tail: Promise<unknown> = Promise.resolve();
  private baseline: Map<string, string> | undefined;
  private currentDatabase: string | undefined;
  private closed = false;

  constructor(path: string) {
    this.path = resolve(path);
    mkdirSync(this.path, { recursive: true });
    this.session = new Session(this.path, { connectionArgs: pinnedConnectionArgs() });
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
  }

  private async execute(request: EngineRequest): Promise<EngineResult> {
    if (this.closed) throw LocalClickHouseError.of(ErrorCode.STD_EXCEPTION, 'the local engine is closed');
    if (this.baseline === undefined) this.baseline = await this.changedSettings();
    const touchesSession = request.settings.size > 0 || SESSION_STATEMENT.test(request.sql);
    try {
      await this.useDatabase(request.database);
      for (const [name, value] of request.settings) {
        if (!IDENTIFIER.test(name)) {
          throw LocalClickHouseError.of(
            ErrorCode.BAD_ARGUMENTS,
            `Invalid setting name ${JSON.stringify(name)}`,
          );
        }
        await this.statement(`SET ${name} = ${quoteString(value)}`);
      }
      await this.bindParameters(request);
      const isInsert = INSERT_STATEMENT.test(request.sql);
      const before = isInsert ? await this.insertCounters() : undefined;
      const result = await this.session.queryAsync(request.sql, { format: request.defaultFormat });
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
      if (touchesSession) await this.restoreSession();
    }
  }

  /**
   * `SET param_x = '<value>'` hands the value to the engine in exactly the escaped
   * text form HTTP `param_x` uses, so every type parses as on a server. Parameters
   * outlive the statement in a session, so a placeholder this request did not send
   * is refused here, as a server refuses it, instead of taking a stale value.
   */
  private async bindParameters(request: EngineRequest): Promise<void> {
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
      await this.statement(`SET param_${name} = ${quoteString(value)}`);
    }
  }

  private async statement(sql: string): Promise<string> {
    const result = await this.session.queryAsync(sql, { format: 'TSV' });
    return result.text();
  }

  private async useDatabase(database: string): Promise<void> {
    if (this.currentDatabase === database) return;
    if (!IDENTIFIER.test(database)) {
      throw LocalClickHouseError.of(
        ErrorCode.BAD_ARGUMENTS,
        `Invalid database name ${JSON.stringify(database)}`,
      );
    }
    this.currentDatabase = undefined;
    await this.statement(`USE ${database}`);
    this.currentDatabase = database;
  }

  private async changedSettings(): Promise<Map<string, string>> {
    const text = await this.statement('SELECT name, value FROM system.settings WHERE changed');
    const settings = new Map<string, string>();
    for (const line of text.split('\n')) {
      if (line.length === 0) continue;
      const tab = line.indexOf('\t');
      settings.set(line.slice(0, tab), line.slice(tab + 1));
    }
    return settings;
  }

  /** Puts settings and database back to what the server started with. */
  private async restoreSession(): Promise<void> {
    const baseline = this.baseline ?? new Map<string, string>();
    const now = await this.changedSettings();
    for (const [name, value] of now) {
      const original = baseline.get(name);
      if (original === value) continue;
      // TSV escapes backslashes and tabs; baseline values here are plain words and numbers.
      await this.statement(
        original === undefined ? `SET ${name} = DEFAULT` : `SET ${name} = ${quoteString(original)}`,
      );
    }
    for (const [name, value] of baseline) {
      if (!now.has(name)) await this.statement(`SET ${name} = ${quoteString(value)}`);
    }
    this.currentDatabase = undefined;
  }

  private async insertCounters(): Promise<{ rows: number; bytes: number }> {
    const text = await this.statement(
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
