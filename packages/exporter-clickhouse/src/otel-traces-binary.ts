import type { Attributes, AttributeValue, HrTime } from '@opentelemetry/api';
import { type SpanLike, spanKindName, statusCodeName } from '@tracepoint/core';
import { attributeValueToString } from '@tracepoint/semantic-mapping';
import { type ColumnType, parseColumnType } from './column-type.js';
import { RowBinaryWriter } from './row-binary-writer.js';
import type { TracePointFields } from './trace-point-fields.js';
import type { TextRepairs } from './well-formed-text.js';

/** A column whose type the binary writer cannot encode: the exporter writes that table as JSON. */
export class UnsupportedColumnTypeError extends Error {
  constructor(column: string, type: string) {
    super(`column ${column} has type ${type}, which the RowBinary writer cannot encode`);
    this.name = 'UnsupportedColumnTypeError';
  }
}

type Event = SpanLike['events'][number];
type Link = SpanLike['links'][number];
type Fields = TracePointFields | undefined;

/** What a column holds, read from the span: the column's type decides how it is written. */
type Source =
  | { kind: 'text'; read: (span: SpanLike, fields: Fields) => unknown }
  | { kind: 'time'; read: (span: SpanLike) => HrTime }
  | { kind: 'nanos'; read: (span: SpanLike) => HrTime }
  | { kind: 'number'; read: (span: SpanLike, fields: Fields) => number }
  | { kind: 'map'; read: (span: SpanLike, fields: Fields) => Attributes | undefined }
  | { kind: 'events'; item: ItemSource<Event> }
  | { kind: 'links'; item: ItemSource<Link> };

type ItemSource<T> =
  | { kind: 'text'; read: (item: T) => unknown }
  | { kind: 'time'; read: (item: T) => HrTime }
  | { kind: 'map'; read: (item: T) => Attributes | undefined };

const serviceName = (span: SpanLike) => span.resource?.attributes?.['service.name'];

/** Where each insert column's value comes from, by column name. */
const SOURCES: Readonly<Record<string, Source>> = {
  Timestamp: { kind: 'time', read: (span) => span.startTime },
  TraceId: { kind: 'text', read: (span) => span.spanContext().traceId },
  SpanId: { kind: 'text', read: (span) => span.spanContext().spanId },
  ParentSpanId: { kind: 'text', read: (span) => span.parentSpanContext?.spanId ?? '' },
  TraceState: { kind: 'text', read: (span) => span.spanContext().traceState?.serialize() ?? '' },
  SpanName: { kind: 'text', read: (span) => span.name },
  SpanKind: { kind: 'text', read: (span) => spanKindName(span.kind) },
  ServiceName: { kind: 'text', read: serviceName },
  ResourceAttributes: { kind: 'map', read: (span) => span.resource?.attributes },
  ScopeName: { kind: 'text', read: (span) => span.instrumentationScope.name },
  ScopeVersion: { kind: 'text', read: (span) => span.instrumentationScope.version ?? '' },
  SpanAttributes: { kind: 'map', read: (span) => span.attributes },
  Duration: { kind: 'nanos', read: (span) => span.duration },
  StatusCode: { kind: 'text', read: (span) => statusCodeName(span.status.code) },
  StatusMessage: { kind: 'text', read: (span) => span.status.message ?? '' },
  'Events.Timestamp': { kind: 'events', item: { kind: 'time', read: (event) => event.time } },
  'Events.Name': { kind: 'events', item: { kind: 'text', read: (event) => event.name } },
  'Events.Attributes': { kind: 'events', item: { kind: 'map', read: (event) => event.attributes } },
  'Links.TraceId': { kind: 'links', item: { kind: 'text', read: (link) => link.context.traceId } },
  'Links.SpanId': { kind: 'links', item: { kind: 'text', read: (link) => link.context.spanId } },
  'Links.TraceState': {
    kind: 'links',
    item: { kind: 'text', read: (link) => link.context.traceState?.serialize() ?? '' },
  },
  'Links.Attributes': { kind: 'links', item: { kind: 'map', read: (link) => link.attributes } },
  TracePoints: { kind: 'number', read: (_span, fields) => fields?.points ?? 0 },
  TracePointCaller: { kind: 'text', read: (_span, fields) => fields?.caller ?? '' },
  TracePointCallee: { kind: 'text', read: (_span, fields) => fields?.callee ?? '' },
  TracePointCallerMethod: { kind: 'text', read: (_span, fields) => fields?.callerMethod ?? '' },
  TracePointCalleeMethod: { kind: 'text', read: (_span, fields) => fields?.calleeMethod ?? '' },
  TracePointParams: { kind: 'map', read: (_span, fields) => fields?.params },
};

type Write<T> = (value: T, out: RowBinaryWriter) => void;

const asText = (value: unknown): string =>
  typeof value === 'string' ? value : attributeValueToString(value as AttributeValue);

/** Strips LowCardinality (same bytes as its inner type in RowBinary); Nullable adds a 0 flag. */
function unwrap(type: ColumnType): { type: ColumnType; nullable: boolean } {
  let inner = type;
  let nullable = false;
  for (;;) {
    if (inner.name === 'LowCardinality' && inner.args.length === 1) inner = inner.args[0] as ColumnType;
    else if (inner.name === 'Nullable' && inner.args.length === 1) {
      nullable = true;
      inner = inner.args[0] as ColumnType;
    } else return { type: inner, nullable };
  }
}

function nullableWrite<T>(nullable: boolean, write: Write<T>): Write<T> {
  return nullable
    ? (value, out) => {
        out.uint8(0);
        write(value, out);
      }
    : write;
}

function textWrite(type: ColumnType): Write<unknown> | undefined {
  const { type: inner, nullable } = unwrap(type);
  if (inner.name === 'String') return nullableWrite(nullable, (value, out) => out.string(asText(value)));
  if (inner.name === 'FixedString' && inner.args.length === 1) {
    const size = Number((inner.args[0] as ColumnType).name);
    return nullableWrite(nullable, (value, out) => out.fixedString(asText(value), size));
  }
  return undefined;
}

const INTEGER = /^(U?)Int(8|16|32|64)$/;

function numberWrite(type: ColumnType): Write<number> | undefined {
  const { type: inner, nullable } = unwrap(type);
  const match = INTEGER.exec(inner.name);
  if (match === null) return undefined;
  const size = Number(match[2]) / 8;
  const signed = match[1] !== 'U';
  return nullableWrite(nullable, (value, out) => out.integer(value, size, signed));
}

function timeWrite(type: ColumnType, kind: 'time' | 'nanos'): Write<HrTime> | undefined {
  const { type: inner, nullable } = unwrap(type);
  if (kind === 'time' && inner.name === 'DateTime64' && inner.args.length >= 1) {
    const precision = Number((inner.args[0] as ColumnType).name);
    if (!Number.isInteger(precision) || precision < 0 || precision > 9) return undefined;
    const unit = 10 ** (9 - precision);
    return nullableWrite(nullable, (time, out) => out.hrTime(time, unit, true));
  }
  if (kind === 'time' && inner.name === 'DateTime')
    return nullableWrite(nullable, (time, out) => out.integer(Math.floor(time[0]), 4, false));
  const match = kind === 'nanos' ? INTEGER.exec(inner.name) : null;
  if (match !== null && match[2] === '64')
    return nullableWrite(nullable, (time, out) => out.hrTime(time, 1, match[1] !== 'U'));
  return undefined;
}

/** A Map(text, text) value from attributes (values stringified as the JSON path does); undefined values are left out. */
function mapWrite(type: ColumnType): Write<Attributes | undefined> | undefined {
  const { type: inner, nullable } = unwrap(type);
  if (nullable || inner.name !== 'Map' || inner.args.length !== 2) return undefined;
  const key = textWrite(inner.args[0] as ColumnType);
  const value = textWrite(inner.args[1] as ColumnType);
  if (key === undefined || value === undefined) return undefined;
  return (attributes, out) => {
    const at = out.startCount();
    let count = 0;
    if (attributes !== undefined && attributes !== null) {
      for (const name in attributes) {
        const item = attributes[name];
        if (item === undefined) continue;
        key(name, out);
        value(attributeValueToString(item), out);
        count++;
      }
    }
    out.endCount(at, count);
  };
}

function itemWrite<T>(source: ItemSource<T>, type: ColumnType): Write<T> | undefined {
  if (source.kind === 'text') {
    const write = textWrite(type);
    return write && ((item, out) => write(source.read(item), out));
  }
  if (source.kind === 'time') {
    const write = timeWrite(type, 'time');
    return write && ((item, out) => write(source.read(item), out));
  }
  const write = mapWrite(type);
  return write && ((item, out) => write(source.read(item), out));
}

function arrayWrite<T>(type: ColumnType, source: ItemSource<T>): Write<readonly T[]> | undefined {
  if (type.name !== 'Array' || type.args.length !== 1) return undefined;
  const write = itemWrite(source, type.args[0] as ColumnType);
  if (write === undefined) return undefined;
  return (items, out) => {
    const count = items?.length ?? 0;
    out.varUInt(count);
    for (let i = 0; i < count; i++) write(items[i] as T, out);
  };
}

type ColumnWrite = (span: SpanLike, fields: Fields, out: RowBinaryWriter) => void;

/** The writer of one column: its value read from the span, written as the table's type wants it. */
function columnWrite(name: string, typeText: string): ColumnWrite {
  const source = SOURCES[name];
  if (source === undefined) throw new UnsupportedColumnTypeError(name, typeText);
  let type: ColumnType;
  try {
    type = parseColumnType(typeText);
  } catch {
    throw new UnsupportedColumnTypeError(name, typeText);
  }
  let write: ColumnWrite | undefined;
  switch (source.kind) {
    case 'text': {
      const w = textWrite(type);
      write = w && ((span, fields, out) => w(source.read(span, fields), out));
      break;
    }
    case 'number': {
      const w = numberWrite(type);
      write = w && ((span, fields, out) => w(source.read(span, fields), out));
      break;
    }
    case 'time':
    case 'nanos': {
      const w = timeWrite(type, source.kind);
      write = w && ((span, _fields, out) => w(source.read(span), out));
      break;
    }
    case 'map': {
      const w = mapWrite(type);
      write = w && ((span, fields, out) => w(source.read(span, fields), out));
      break;
    }
    case 'events': {
      const w = arrayWrite(type, source.item);
      write = w && ((span, _fields, out) => w(span.events, out));
      break;
    }
    case 'links': {
      const w = arrayWrite(type, source.item);
      write = w && ((span, _fields, out) => w(span.links, out));
      break;
    }
  }
  if (write === undefined) throw new UnsupportedColumnTypeError(name, typeText);
  return write;
}

/** Columns that read only the span's resource: their bytes are reused while spans share one resource object. */
const RESOURCE_COLUMNS: ReadonlySet<string> = new Set(['ServiceName', 'ResourceAttributes']);

/**
 * Encodes `otel_traces` rows as RowBinaryWithNamesAndTypes, straight from the
 * span's fields into one reused Buffer: no row arrays, no JSON text. The
 * header names the insert columns with the types the table itself reported
 * (system.columns), and each column's value writer was picked from that
 * type, so a table whose maps or strings are declared differently (a
 * Collector-made one) is written in its own types. A type it cannot write
 * throws UnsupportedColumnTypeError when the encoder is built.
 *
 * Every span of a tracer provider shares one resource, and its attributes are
 * a large share of a row, so the resource columns' bytes are written once per
 * resource object and copied while spans keep pointing at it.
 */
export class OtelTracesBinaryEncoder {
  /** `names` then `types`, as the format's header wants them. */
  readonly header: Buffer;
  private readonly writes: ColumnWrite[] = [];
  /** The resource columns' positions: [first, end) in `writes` (they are adjacent in insert order). */
  private readonly resourceFrom: number = -1;
  private readonly resourceTo: number = -1;
  private readonly out: RowBinaryWriter;
  private lastResource: SpanLike['resource'] | undefined;
  private lastResourceBytes: Uint8Array = new Uint8Array(0);
  private lastResourceRepairs = 0;

  /** `columns`: the insert column names, in order; `types`: the table's type of each (system.columns). */
  constructor(
    readonly columns: readonly string[],
    types: ReadonlyMap<string, string>,
    private readonly repairs: TextRepairs = { loneSurrogatesReplaced: 0 },
  ) {
    this.out = new RowBinaryWriter(repairs);
    const header = new RowBinaryWriter({ loneSurrogatesReplaced: 0 }, 1024);
    header.varUInt(columns.length);
    const typeTexts: string[] = [];
    for (const [index, name] of columns.entries()) {
      const type = types.get(name);
      if (type === undefined) throw new UnsupportedColumnTypeError(name, '(missing)');
      this.writes.push(columnWrite(name, type));
      typeTexts.push(type);
      header.string(name);
      if (RESOURCE_COLUMNS.has(name)) {
        if (this.resourceFrom === -1) this.resourceFrom = index;
        this.resourceTo = index + 1;
      }
    }
    for (const type of typeTexts) header.string(type);
    this.header = Buffer.from(header.view());
    const adjacent =
      this.resourceFrom !== -1 &&
      columns.slice(this.resourceFrom, this.resourceTo).every((name) => RESOURCE_COLUMNS.has(name));
    if (!adjacent) {
      this.resourceFrom = -1;
      this.resourceTo = -1;
    }
  }

  /**
   * One span's row; the bytes are a view valid until the next call. Throws
   * when the span cannot be read (nothing of it is kept then).
   */
  row(span: SpanLike, fields: Fields): Uint8Array {
    const out = this.out;
    out.reset();
    const writes = this.writes;
    const from = this.resourceFrom;
    for (let i = 0; i < writes.length; i++) {
      if (i === from) {
        this.resourceColumns(span, fields);
        i = this.resourceTo - 1;
        continue;
      }
      (writes[i] as ColumnWrite)(span, fields, out);
    }
    return out.view();
  }

  private resourceColumns(span: SpanLike, fields: Fields): void {
    const out = this.out;
    const resource = span.resource;
    if (resource === this.lastResource && resource !== undefined) {
      out.bytes(this.lastResourceBytes);
      // Each row carries the repaired text again: counted per row, as the JSON path counts.
      this.repairs.loneSurrogatesReplaced += this.lastResourceRepairs;
      return;
    }
    const start = out.length;
    const repairsBefore = this.repairs.loneSurrogatesReplaced;
    for (let i = this.resourceFrom; i < this.resourceTo; i++)
      (this.writes[i] as ColumnWrite)(span, fields, out);
    // A resource still waiting for async detectors may gain attributes: not cached until settled.
    if ((resource as { asyncAttributesPending?: boolean } | undefined)?.asyncAttributesPending !== true) {
      this.lastResource = resource;
      this.lastResourceBytes = Uint8Array.prototype.slice.call(out.view(start));
      this.lastResourceRepairs = this.repairs.loneSurrogatesReplaced - repairsBefore;
    }
  }
}
