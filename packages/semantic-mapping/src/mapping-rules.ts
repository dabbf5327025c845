import type { Attributes } from '@opentelemetry/api';
import {
  type AttributeAlternatives,
  CODE_FUNCTION,
  CODE_FUNCTION_NAME,
  CODE_NAMESPACE,
  DB_COLLECTION,
  DB_NAMESPACE,
  DB_OPERATION,
  DB_QUERY_SUMMARY,
  DB_QUERY_TEXT,
  DB_SYSTEM,
  HTTP_HOST,
  HTTP_REQUEST_METHOD,
  HTTP_ROUTE,
  MESSAGING_DESTINATION,
  MESSAGING_OPERATION,
  MESSAGING_SYSTEM,
  PEER_SERVICE,
  RPC_METHOD,
  RPC_SERVICE,
  RPC_SYSTEM,
  readFirst,
  SERVER_ADDRESS,
  SERVER_PORT,
  URL_FULL,
  URL_PATH,
  URL_TEMPLATE,
} from '@tracepoint/core';
import { TextJoiner } from './joined-text.js';
import { hostOfUrl, pathOfUrl, templatePath } from './path-template.js';

/** One attribute set in the stable conventions, the same facts in the old ones, and what the rule makes of both. */
export interface RuleExample {
  readonly stable: Attributes;
  readonly old?: Attributes;
  readonly expected: string;
}

/**
 * One row of the mapping table. The README's table is rendered from these
 * rows (`pnpm --filter @tracepoint/semantic-mapping docs`), the mapping runs
 * their `resolve`, and the tests run their examples, so the three cannot drift.
 */
export interface MappingRule {
  readonly field: 'targetComponent' | 'method';
  readonly name: string;
  /** Attribute groups the rule reads; each group lists stable then old names. */
  readonly reads: readonly AttributeAlternatives[];
  /**
   * The groups of which one name must hold a value for the rule to give one: on a span with
   * none of them the mapping skips the rule without reading anything (a subset of `reads`).
   */
  readonly requires: readonly AttributeAlternatives[];
  /** What the rule produces, for the docs. */
  readonly produces: string;
  readonly resolve: (attributes: Attributes) => string | undefined;
  readonly examples: readonly RuleExample[];
}

const DEFAULT_PORTS = new Set(['80', '443']);

// One joiner per separator the rules use: the same parts give the same string object (see joined-text.ts).
const SPACE = new TextJoiner(' ');
const COLON = new TextJoiner(':');
const SLASH = new TextJoiner('/');
const DOT = new TextJoiner('.');

function joinDefined(joiner: TextJoiner, head: string, tail: string | undefined): string {
  return tail === undefined ? head : joiner.join(head, tail);
}

/** `system` or `system:qualifier`, for databases (namespace) and messaging (destination). */
function systemQualified(system: AttributeAlternatives, qualifier: AttributeAlternatives) {
  return (attributes: Attributes): string | undefined => {
    const name = readFirst(attributes, system);
    return name === undefined ? undefined : joinDefined(COLON, name, readFirst(attributes, qualifier));
  };
}

/** `SELECT`, `INSERT`… from the first word of a query text, when it is a plain keyword. */
function operationFromQuery(attributes: Attributes): string | undefined {
  const text = readFirst(attributes, DB_QUERY_TEXT);
  if (text === undefined) return undefined;
  const match = /^\s*([A-Za-z]+)/.exec(text);
  return match ? match[1] : undefined;
}

function httpPath(attributes: Attributes): string | undefined {
  const route = readFirst(attributes, HTTP_ROUTE);
  if (route !== undefined) return route;
  const template = readFirst(attributes, URL_TEMPLATE);
  if (template !== undefined) return template;
  const path = readFirst(attributes, URL_PATH);
  if (path !== undefined) return templatePath(path);
  const url = readFirst(attributes, URL_FULL);
  const urlPath = url === undefined ? undefined : pathOfUrl(url);
  return urlPath === undefined ? undefined : templatePath(urlPath);
}

function rpcService(attributes: Attributes): string | undefined {
  const service = readFirst(attributes, RPC_SERVICE);
  if (service !== undefined) return service;
  const method = readFirst(attributes, RPC_METHOD);
  const slash = method === undefined ? -1 : method.lastIndexOf('/');
  return slash > 0 ? (method as string).slice(0, slash) : undefined;
}

/**
 * Target component of a client or producer span, first match wins. Server,
 * consumer and internal spans target their own service.
 */
export const TARGET_COMPONENT_RULES: readonly MappingRule[] = [
  {
    field: 'targetComponent',
    name: 'peer service',
    reads: [PEER_SERVICE],
    requires: [PEER_SERVICE],
    produces: 'the value',
    resolve: (a) => readFirst(a, PEER_SERVICE),
    examples: [
      {
        stable: { 'server.service.name': 'inventory', 'server.address': '10.0.0.7' },
        old: { 'peer.service': 'inventory', 'net.peer.name': '10.0.0.7' },
        expected: 'inventory',
      },
    ],
  },
  {
    field: 'targetComponent',
    name: 'database',
    reads: [DB_SYSTEM, DB_NAMESPACE],
    requires: [DB_SYSTEM],
    produces: '`system` or `system:namespace`',
    resolve: systemQualified(DB_SYSTEM, DB_NAMESPACE),
    examples: [
      {
        stable: { 'db.system.name': 'postgresql', 'db.namespace': 'shop', 'server.address': 'db1' },
        old: { 'db.system': 'postgresql', 'db.name': 'shop', 'net.peer.name': 'db1' },
        expected: 'postgresql:shop',
      },
      {
        stable: { 'db.system.name': 'redis', 'server.address': 'cache' },
        old: { 'db.system': 'redis', 'net.peer.name': 'cache' },
        expected: 'redis',
      },
    ],
  },
  {
    field: 'targetComponent',
    name: 'messaging',
    reads: [MESSAGING_SYSTEM, MESSAGING_DESTINATION],
    requires: [MESSAGING_SYSTEM],
    produces: '`system` or `system:destination`',
    resolve: systemQualified(MESSAGING_SYSTEM, MESSAGING_DESTINATION),
    examples: [
      {
        stable: { 'messaging.system': 'kafka', 'messaging.destination.name': 'orders' },
        old: { 'messaging.system': 'kafka', 'messaging.destination': 'orders' },
        expected: 'kafka:orders',
      },
    ],
  },
  {
    field: 'targetComponent',
    name: 'RPC service',
    reads: [RPC_SERVICE, RPC_METHOD],
    requires: [RPC_SERVICE, RPC_METHOD],
    produces: '`rpc.service`, or the service part of a fully qualified `rpc.method`',
    resolve: rpcService,
    examples: [
      {
        stable: { 'rpc.system.name': 'grpc', 'rpc.method': 'shop.Inventory/Reserve' },
        old: { 'rpc.system': 'grpc', 'rpc.service': 'shop.Inventory', 'rpc.method': 'Reserve' },
        expected: 'shop.Inventory',
      },
    ],
  },
  {
    field: 'targetComponent',
    name: 'server address',
    reads: [SERVER_ADDRESS, SERVER_PORT],
    requires: [SERVER_ADDRESS],
    produces: '`address`, or `address:port` unless the port is 80 or 443',
    resolve: (a) => {
      const address = readFirst(a, SERVER_ADDRESS);
      if (address === undefined) return undefined;
      const port = readFirst(a, SERVER_PORT);
      return port === undefined || DEFAULT_PORTS.has(port) ? address : COLON.join(address, port);
    },
    examples: [
      {
        stable: { 'http.request.method': 'GET', 'server.address': 'orders.internal', 'server.port': 8080 },
        old: { 'http.method': 'GET', 'net.peer.name': 'orders.internal', 'net.peer.port': 8080 },
        expected: 'orders.internal:8080',
      },
      {
        stable: { 'server.address': 'api.example.com', 'server.port': 443 },
        old: { 'net.peer.name': 'api.example.com', 'net.peer.port': 443 },
        expected: 'api.example.com',
      },
    ],
  },
  {
    field: 'targetComponent',
    name: 'URL host',
    reads: [URL_FULL, HTTP_HOST],
    requires: [URL_FULL, HTTP_HOST],
    produces: 'the `host[:port]` of the URL, credentials stripped',
    resolve: (a) => {
      const url = readFirst(a, URL_FULL);
      const host = url === undefined ? undefined : hostOfUrl(url);
      return host ?? readFirst(a, HTTP_HOST);
    },
    examples: [
      {
        stable: { 'url.full': 'https://user:pw@Pay.Example.com:8443/v1/charge?id=7' },
        old: { 'http.url': 'https://user:pw@Pay.Example.com:8443/v1/charge?id=7' },
        expected: 'pay.example.com:8443',
      },
    ],
  },
];

/**
 * The called method of a span (for a client span: the peer's method; for a
 * server span: its own), first match wins; the span name when none matches.
 */
export const METHOD_RULES: readonly MappingRule[] = [
  {
    field: 'method',
    name: 'HTTP',
    reads: [HTTP_REQUEST_METHOD, HTTP_ROUTE, URL_TEMPLATE, URL_PATH, URL_FULL],
    requires: [HTTP_REQUEST_METHOD],
    produces:
      '`VERB route`; without a route, `VERB` + `url.template` (the cleaner sets it), else the path with ids templated as `{id}`',
    resolve: (a) => {
      const verb = readFirst(a, HTTP_REQUEST_METHOD);
      return verb === undefined ? undefined : joinDefined(SPACE, verb, httpPath(a));
    },
    examples: [
      {
        stable: { 'http.request.method': 'GET', 'http.route': '/users/:id', 'url.path': '/users/42' },
        old: { 'http.method': 'GET', 'http.route': '/users/:id', 'http.target': '/users/42?full=1' },
        expected: 'GET /users/:id',
      },
      {
        stable: {
          'http.request.method': 'POST',
          'url.full': 'http://orders:8080/orders/8f14e45f-ceea-467f-a0e6-5e8b5b1a2c3d/items/17?x=1',
        },
        old: {
          'http.method': 'POST',
          'http.url': 'http://orders:8080/orders/8f14e45f-ceea-467f-a0e6-5e8b5b1a2c3d/items/17?x=1',
        },
        expected: 'POST /orders/{id}/items/{id}',
      },
    ],
  },
  {
    field: 'method',
    name: 'RPC',
    reads: [RPC_SYSTEM, RPC_METHOD, RPC_SERVICE],
    requires: [RPC_METHOD],
    produces: '`service/method` (a fully qualified `rpc.method` as is)',
    resolve: (a) => {
      const method = readFirst(a, RPC_METHOD);
      if (method === undefined) return undefined;
      if (method.includes('/')) return method;
      const service = readFirst(a, RPC_SERVICE);
      return service === undefined ? method : SLASH.join(service, method);
    },
    examples: [
      {
        stable: { 'rpc.system.name': 'grpc', 'rpc.method': 'shop.Inventory/Reserve' },
        old: { 'rpc.system': 'grpc', 'rpc.service': 'shop.Inventory', 'rpc.method': 'Reserve' },
        expected: 'shop.Inventory/Reserve',
      },
    ],
  },
  {
    field: 'method',
    name: 'database',
    reads: [DB_SYSTEM, DB_OPERATION, DB_COLLECTION, DB_QUERY_SUMMARY, DB_QUERY_TEXT],
    requires: [DB_SYSTEM],
    produces:
      '`operation collection` (or `operation`); else `db.query.summary`; else the first keyword of the query text',
    resolve: (a) => {
      if (readFirst(a, DB_SYSTEM) === undefined) return undefined;
      const operation = readFirst(a, DB_OPERATION);
      if (operation !== undefined) return joinDefined(SPACE, operation, readFirst(a, DB_COLLECTION));
      return readFirst(a, DB_QUERY_SUMMARY) ?? operationFromQuery(a);
    },
    examples: [
      {
        stable: {
          'db.system.name': 'postgresql',
          'db.operation.name': 'SELECT',
          'db.collection.name': 'orders',
        },
        old: { 'db.system': 'postgresql', 'db.operation': 'SELECT', 'db.sql.table': 'orders' },
        expected: 'SELECT orders',
      },
      {
        stable: { 'db.system.name': 'redis', 'db.operation.name': 'get', 'db.query.text': 'get cart:7' },
        old: { 'db.system': 'redis', 'db.statement': 'get cart:7' },
        expected: 'get',
      },
      {
        stable: { 'db.system.name': 'postgresql', 'db.query.summary': 'SELECT orders items' },
        expected: 'SELECT orders items',
      },
    ],
  },
  {
    field: 'method',
    name: 'messaging',
    reads: [MESSAGING_SYSTEM, MESSAGING_OPERATION, MESSAGING_DESTINATION],
    requires: [MESSAGING_SYSTEM],
    produces: '`operation destination`',
    resolve: (a) => {
      if (readFirst(a, MESSAGING_SYSTEM) === undefined) return undefined;
      const operation = readFirst(a, MESSAGING_OPERATION);
      const destination = readFirst(a, MESSAGING_DESTINATION);
      if (operation === undefined) return destination;
      return joinDefined(SPACE, operation, destination);
    },
    examples: [
      {
        stable: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'send',
          'messaging.destination.name': 'orders',
        },
        old: {
          'messaging.system': 'kafka',
          'messaging.operation': 'send',
          'messaging.destination': 'orders',
        },
        expected: 'send orders',
      },
    ],
  },
  {
    field: 'method',
    name: 'code',
    reads: [CODE_FUNCTION_NAME, CODE_NAMESPACE, CODE_FUNCTION],
    requires: [CODE_FUNCTION_NAME, CODE_FUNCTION],
    produces: '`code.function.name`; old: `code.namespace.code.function`',
    resolve: (a) => {
      const name = readFirst(a, CODE_FUNCTION_NAME);
      if (name !== undefined) return name;
      const fn = readFirst(a, CODE_FUNCTION);
      const namespace = readFirst(a, CODE_NAMESPACE);
      return fn === undefined || namespace === undefined ? fn : DOT.join(namespace, fn);
    },
    examples: [
      {
        stable: { 'code.function.name': 'billing.Invoice.render' },
        old: { 'code.namespace': 'billing.Invoice', 'code.function': 'render' },
        expected: 'billing.Invoice.render',
      },
    ],
  },
];

/** First rule that matches, or undefined. */
export function resolveFirst(rules: readonly MappingRule[], attributes: Attributes): string | undefined {
  for (let i = 0; i < rules.length; i++) {
    const value = (rules[i] as MappingRule).resolve(attributes);
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

/**
 * Bit `RULE_BITS.target + i` stands for TARGET_COMPONENT_RULES[i], `RULE_BITS.method + i` for
 * METHOD_RULES[i]: set when one of the rule's `requires` names is on the span (see ruleGates).
 */
export const RULE_BITS = { target: 0, method: TARGET_COMPONENT_RULES.length } as const;

/** Per attribute name, the bits of the rules it can open (one of their `requires`). */
export const RULE_GATES: ReadonlyMap<string, number> = (() => {
  const gates = new Map<string, number>();
  const add = (rules: readonly MappingRule[], first: number) => {
    rules.forEach((rule, i) => {
      for (const group of rule.requires)
        for (const name of group) gates.set(name, (gates.get(name) ?? 0) | (1 << (first + i)));
    });
  };
  add(TARGET_COMPONENT_RULES, RULE_BITS.target);
  add(METHOD_RULES, RULE_BITS.method);
  return gates;
})();

/**
 * resolveFirst over the rules whose bit is set in `gates` only: a rule none of whose required
 * names is on the span gives undefined, so skipping it reads nothing and changes nothing
 * (readFirst, mostly on absent names, was ~7% of the aggregator's onEnd in a profile on the
 * pipeline benchmark's spans; with the gates the mapping stage went 1.04 -> 0.92 µs per span).
 */
export function resolveFirstGated(
  rules: readonly MappingRule[],
  firstBit: number,
  gates: number,
  attributes: Attributes,
): string | undefined {
  for (let i = 0; i < rules.length; i++) {
    if ((gates & (1 << (firstBit + i))) === 0) continue;
    const value = (rules[i] as MappingRule).resolve(attributes);
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}
