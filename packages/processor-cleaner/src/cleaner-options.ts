import { OptionValidator } from '@tracepoint/core';
import { DETECTOR_NAMES, type DetectorName } from './detector-names.js';
import { templatePattern } from './path-patterns.js';

/** Span kinds as lowercase names, so rules read like the OTel spec. */
export type SpanKindName = 'internal' | 'server' | 'client' | 'producer' | 'consumer';

/** Matches a string: a glob (`*` any run of characters, `?` one character) or a RegExp. */
export type TextPattern = string | RegExp;

/**
 * Drops the spans it matches (every given condition must hold). A rule is
 * tried when a span starts, on what the span carries then, and again when it
 * ends. A match at start drops the span and its whole local subtree; a match
 * at end drops the span only when none of its local children was kept.
 */
export interface DropRule {
  /** Label the drop counts are reported under. */
  name: string;
  spanName?: TextPattern;
  kind?: SpanKindName | readonly SpanKindName[];
  /** URL path (`url.path`, `http.target` or the path of `url.full`), without the query. */
  path?: TextPattern;
  /** `http.route`; frameworks set it late, so it only matches at end. */
  route?: TextPattern;
  /** Attribute values: exact for strings, numbers and booleans, tested for a RegExp. */
  attributes?: Readonly<Record<string, string | number | boolean | RegExp>>;
  /** Span status at end. */
  status?: 'unset' | 'ok' | 'error';
  /** Matches spans that took at least this long (end only). */
  minDurationMillis?: number;
  /** Matches spans that took at most this long (end only). */
  maxDurationMillis?: number;
}

/** A user rule mapping paths to a template before the built-in id detection runs. */
export interface PathPattern {
  /** A RegExp on the whole path, or a glob where `*` matches one segment. */
  match: TextPattern;
  /** The template, e.g. `/shops/{shop}/cart`. */
  template: string;
}

export type RedactionMode = 'mask' | 'hmac' | 'off';

export interface CleanerOptions {
  /** Your own drop rules, tried before the built-in ones. */
  dropRules?: readonly DropRule[];
  /** Built-in rule: drop health, readiness and liveness probes (server spans). */
  dropHealthChecks?: boolean;
  /** Built-in rule: drop server spans whose path ends in a static-asset extension (any method or status). */
  dropStaticAssets?: boolean;
  /** `service.name` for spans whose resource has none (or `unknown_service…`); default `OTEL_SERVICE_NAME`, else the app's package.json name. */
  serviceName?: string;
  /**
   * `peer.service` for client and producer spans by the address they call, keys `host` or
   * `host:port` (the more specific wins); default from `OTEL_INSTRUMENTATION_COMMON_PEER_SERVICE_MAPPING`
   * (`host=name,host:port=name`, the OpenTelemetry Java agent's variable). Names the callee in trace points and stats.
   */
  peerServiceMapping?: Readonly<Record<string, string>>;
  /** Set status Error on Unset spans from the HTTP status: server 5xx, client 4xx and 5xx. */
  statusFromHttp?: boolean;
  /** Name a server span `METHOD route` when its name is only the verb. */
  nameServerSpans?: boolean;
  /** Longest string attribute value (characters); longer ones are cut with a marker. */
  maxValueLength?: number;
  /** Most elements kept in an array attribute value. */
  maxArrayLength?: number;
  /** Most attributes kept per span, event or link. */
  maxAttributes?: number;
  maxEvents?: number;
  maxLinks?: number;
  /** Longer spans are cut to this length by moving the start (the original length is kept in `tracepoint.original_duration_ms`). */
  maxDurationMillis?: number;
  /** A span ending further than this from the local clock is shifted to end now. */
  maxClockSkewMillis?: number;
  /** Set `url.template` (`/users/{id}`) on HTTP spans without `http.route`. */
  templatePaths?: boolean;
  /**
   * Your path templates, tried before the built-in rules: `{ match, template }`, or a template
   * that is its own match (`'/-/package/{name}/dist-tags/{tag}'`, a `{word}` standing for one
   * segment or part of one); default from `TRACEPOINT_PATH_PATTERNS` when @tracepoint/node starts tracing.
   */
  pathPatterns?: readonly (PathPattern | string)[];
  /** Distinct literal segments kept per path position before new ones become `{id}`. */
  maxValuesPerPathPosition?: number;
  /** How secrets are replaced: `mask` (`[REDACTED:rule]`), `hmac` (keyed hash, joinable) or `off`. */
  redaction?: RedactionMode;
  /** Key for `redaction: 'hmac'`, at least 16 characters. */
  hmacKey?: string;
  /** More attribute keys whose values are always secret (glob or RegExp), on top of the built-in list. */
  blockedKeys?: readonly TextPattern[];
  /** Fail-closed mode: when set, values of keys outside this list (and outside the keys tracepoint reads) are masked. */
  allowedKeys?: readonly TextPattern[];
  /** Value detectors to run; default all. */
  detectors?: readonly DetectorName[];
  /** Replace literals in `db.query.text` / `db.statement` by `?`. */
  queryLiterals?: boolean;
}

/** Every default in one place: code, README table and tests read it. */
export const CLEANER_DEFAULTS = {
  dropHealthChecks: true,
  dropStaticAssets: true,
  statusFromHttp: true,
  nameServerSpans: true,
  maxValueLength: 8192,
  maxArrayLength: 128,
  maxAttributes: 128,
  maxEvents: 128,
  maxLinks: 128,
  maxDurationMillis: 86_400_000,
  maxClockSkewMillis: 300_000,
  templatePaths: true,
  maxValuesPerPathPosition: 100,
  redaction: 'mask',
  queryLiterals: true,
} as const satisfies Partial<Record<keyof CleanerOptions, unknown>>;

export interface ResolvedCleanerConfig {
  readonly dropRules: readonly DropRule[];
  readonly dropHealthChecks: boolean;
  readonly dropStaticAssets: boolean;
  readonly serviceName: string | undefined;
  readonly peerServiceMapping: ReadonlyMap<string, string>;
  readonly statusFromHttp: boolean;
  readonly nameServerSpans: boolean;
  readonly maxValueLength: number;
  readonly maxArrayLength: number;
  readonly maxAttributes: number;
  readonly maxEvents: number;
  readonly maxLinks: number;
  readonly maxDurationMillis: number;
  readonly maxClockSkewMillis: number;
  readonly templatePaths: boolean;
  readonly pathPatterns: readonly PathPattern[];
  readonly maxValuesPerPathPosition: number;
  readonly redaction: RedactionMode;
  readonly hmacKey: string | undefined;
  readonly blockedKeys: readonly TextPattern[];
  readonly allowedKeys: readonly TextPattern[] | undefined;
  readonly detectors: readonly DetectorName[];
  readonly queryLiterals: boolean;
}

// As drop rules write kinds (lower case); the stored, capitalized names are @tracepoint/core's spanKindName.
const DROP_RULE_KINDS: readonly SpanKindName[] = ['internal', 'server', 'client', 'producer', 'consumer'];

const check: OptionValidator = new OptionValidator('processor-cleaner');

function booleanOption(options: CleanerOptions, name: keyof typeof CLEANER_DEFAULTS): boolean {
  return check.boolean(name, options[name] ?? CLEANER_DEFAULTS[name]);
}

function positiveInteger(options: CleanerOptions, name: keyof typeof CLEANER_DEFAULTS): number {
  return check.integer(name, options[name] ?? CLEANER_DEFAULTS[name], 1);
}

function checkPattern(option: string, pattern: unknown): void {
  if (typeof pattern !== 'string' && !(pattern instanceof RegExp)) {
    check.invalid(option, 'globs (strings) or RegExps', pattern);
  }
}

function checkDropRule(rule: DropRule, index: number): void {
  const option = `dropRules[${index}]`;
  if (rule === null || typeof rule !== 'object') check.invalid(option, 'an object', rule);
  check.nonEmptyString(`${option}.name`, rule.name);
  for (const field of ['spanName', 'path', 'route'] as const) {
    if (rule[field] !== undefined) checkPattern(`${option}.${field}`, rule[field]);
  }
  const kinds = rule.kind === undefined ? [] : Array.isArray(rule.kind) ? rule.kind : [rule.kind];
  for (const kind of kinds) check.oneOf(`${option}.kind`, kind, DROP_RULE_KINDS);
  if (rule.status !== undefined) check.oneOf(`${option}.status`, rule.status, ['unset', 'ok', 'error']);
  for (const field of ['minDurationMillis', 'maxDurationMillis'] as const) {
    if (rule[field] !== undefined) check.number(`${option}.${field}`, rule[field], 0);
  }
  const conditions = Object.keys(rule).filter(
    (key) => key !== 'name' && rule[key as keyof DropRule] !== undefined,
  );
  if (conditions.length === 0) check.fail(option, 'has no condition and would drop every span');
}

/** Options merged with defaults and checked; throws a TypeError naming the option. */
export function resolveCleanerConfig(options: CleanerOptions = {}, env = process.env): ResolvedCleanerConfig {
  check.options(options);
  const dropRules = check.array<DropRule>('dropRules', options.dropRules ?? []);
  dropRules.forEach(checkDropRule);

  const redaction = check.oneOf<RedactionMode>('redaction', options.redaction ?? CLEANER_DEFAULTS.redaction, [
    'mask',
    'hmac',
    'off',
  ]);
  const hmacKey = options.hmacKey;
  if (redaction === 'hmac' && (typeof hmacKey !== 'string' || hmacKey.length < 16)) {
    check.fail('hmacKey', "must be a secret of at least 16 characters when redaction is 'hmac'");
  }

  const blockedKeys = check.array<TextPattern>('blockedKeys', options.blockedKeys ?? []);
  for (const pattern of blockedKeys) checkPattern('blockedKeys', pattern);
  const allowedKeys = options.allowedKeys;
  if (allowedKeys !== undefined) {
    check.array('allowedKeys', allowedKeys);
    for (const pattern of allowedKeys) checkPattern('allowedKeys', pattern);
  }
  const detectors = check.array<DetectorName>('detectors', options.detectors ?? DETECTOR_NAMES);
  for (const name of detectors) {
    if (!DETECTOR_NAMES.includes(name))
      check.fail('detectors', `has unknown detector ${name}; known: ${DETECTOR_NAMES.join(', ')}`);
  }

  const pathPatterns = check
    .array<PathPattern | string>('pathPatterns', options.pathPatterns ?? [])
    .map((pattern, i): PathPattern => {
      if (typeof pattern !== 'string') return pattern;
      const compiled = templatePattern(pattern);
      if (typeof compiled === 'string')
        check.fail(`pathPatterns[${i}]`, `${JSON.stringify(pattern)} ${compiled}`);
      return compiled;
    });
  pathPatterns.forEach((pattern, i) => {
    if (pattern === null || typeof pattern !== 'object')
      check.invalid(`pathPatterns[${i}]`, 'a template or { match, template }', pattern);
    checkPattern(`pathPatterns[${i}].match`, pattern.match);
    if (typeof pattern.template !== 'string' || !pattern.template.startsWith('/')) {
      check.invalid(`pathPatterns[${i}].template`, 'a path starting with /', pattern.template);
    }
  });

  const serviceName = options.serviceName ?? (env.OTEL_SERVICE_NAME?.trim() || undefined);
  if (serviceName !== undefined) check.nonEmptyString('serviceName', serviceName);

  const peerServiceMapping = resolvePeerServiceMapping(options, env);

  return {
    dropRules,
    dropHealthChecks: booleanOption(options, 'dropHealthChecks'),
    dropStaticAssets: booleanOption(options, 'dropStaticAssets'),
    serviceName,
    peerServiceMapping,
    statusFromHttp: booleanOption(options, 'statusFromHttp'),
    nameServerSpans: booleanOption(options, 'nameServerSpans'),
    maxValueLength: positiveInteger(options, 'maxValueLength'),
    maxArrayLength: positiveInteger(options, 'maxArrayLength'),
    maxAttributes: positiveInteger(options, 'maxAttributes'),
    maxEvents: positiveInteger(options, 'maxEvents'),
    maxLinks: positiveInteger(options, 'maxLinks'),
    maxDurationMillis: positiveInteger(options, 'maxDurationMillis'),
    maxClockSkewMillis: positiveInteger(options, 'maxClockSkewMillis'),
    templatePaths: booleanOption(options, 'templatePaths'),
    pathPatterns,
    maxValuesPerPathPosition: positiveInteger(options, 'maxValuesPerPathPosition'),
    redaction,
    hmacKey,
    blockedKeys,
    allowedKeys,
    detectors,
    queryLiterals: booleanOption(options, 'queryLiterals'),
  };
}

const PEER_SERVICE_MAPPING_ENV = 'OTEL_INSTRUMENTATION_COMMON_PEER_SERVICE_MAPPING';

/** `host=name,host:port=name` (spaces allowed around items) into a map; a malformed item is an error, not a silent skip. */
function resolvePeerServiceMapping(
  options: CleanerOptions,
  env: NodeJS.ProcessEnv,
): ReadonlyMap<string, string> {
  const mapping = new Map<string, string>();
  const add = (address: string, name: string, where: string) => {
    if (address === '' || name === '' || /\s|=|,/.test(address) || /[=,]/.test(name)) {
      check.fail(
        'peerServiceMapping',
        `${where}: each entry needs an address (host or host:port) and a service name, got ${JSON.stringify(`${address}=${name}`)}`,
      );
    }
    mapping.set(address.toLowerCase(), name);
  };
  if (options.peerServiceMapping !== undefined) {
    if (typeof options.peerServiceMapping !== 'object' || options.peerServiceMapping === null) {
      check.invalid('peerServiceMapping', 'an object of address -> service name', options.peerServiceMapping);
    }
    for (const [address, name] of Object.entries(options.peerServiceMapping)) {
      add(address.trim(), typeof name === 'string' ? name.trim() : '', 'option');
    }
    return mapping;
  }
  const text = env[PEER_SERVICE_MAPPING_ENV]?.trim();
  if (!text) return mapping;
  for (const item of text.split(',')) {
    if (item.trim() === '') continue;
    const eq = item.indexOf('=');
    add(
      eq < 0 ? item.trim() : item.slice(0, eq).trim(),
      eq < 0 ? '' : item.slice(eq + 1).trim(),
      PEER_SERVICE_MAPPING_ENV,
    );
  }
  return mapping;
}
