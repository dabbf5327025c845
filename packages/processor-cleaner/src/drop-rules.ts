import { type Attributes, type SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { HTTP_ROUTE, readFirst } from '@tracepoint/core';
import type { DropRule, ResolvedCleanerConfig, SpanKindName } from './cleaner-options.js';
import { requestPathOf } from './span-path.js';
import { compilePathPattern, compileTextPattern, type TextMatcher } from './text-pattern.js';

/** Probes of Kubernetes, load balancers and monitoring: paths and user agents. */
export const HEALTH_CHECK_RULES: readonly DropRule[] = [
  {
    name: 'healthCheck',
    kind: 'server',
    path: /^\/(?:health(?:z|check)?|livez?|readyz?|liveness|readiness|ping|metrics|-\/(?:healthy|ready)|actuator\/(?:health|prometheus))(?:\/.*)?$/i,
  },
  {
    name: 'healthCheck',
    kind: 'server',
    attributes: {
      'user_agent.original': /^(?:kube-probe\/|ELB-HealthChecker\/|GoogleHC\/|Consul Health Check)/,
    },
  },
];

export const STATIC_ASSET_RULES: readonly DropRule[] = [
  {
    name: 'staticAsset',
    kind: 'server',
    path: /\.(?:css|m?js|map|png|jpe?g|gif|svg|ico|webp|avif|woff2?|ttf|otf|eot)$/i,
  },
];

const KIND_VALUES: Readonly<Record<SpanKindName, SpanKind>> = {
  internal: 0,
  server: 1,
  client: 2,
  producer: 3,
  consumer: 4,
};
const STATUS_VALUES = {
  unset: SpanStatusCode.UNSET,
  ok: SpanStatusCode.OK,
  error: SpanStatusCode.ERROR,
} as const;

/** What a rule looks at. At start, status and duration are not known yet. */
export interface RuleInput {
  readonly name: string;
  readonly kind: SpanKind;
  readonly attributes: Attributes;
  readonly statusCode?: SpanStatusCode;
  readonly durationMillis?: number;
  /** The request path, computed once per input by the first rule that needs it (null: none). */
  path?: string | null;
}

type Condition = (input: RuleInput) => boolean;

export interface CompiledDropRule {
  readonly name: string;
  /** False when the rule needs what only an ended span has (route, status, duration). */
  readonly triedAtStart: boolean;
  matches(input: RuleInput): boolean;
}

function attributeCondition(key: string, expected: string | number | boolean | RegExp): Condition {
  if (expected instanceof RegExp) {
    const matcher = compileTextPattern(expected);
    return (input) => {
      const value = input.attributes[key];
      return value !== undefined && value !== null && matcher(String(value));
    };
  }
  return (input) => input.attributes[key] === expected;
}

export function compileDropRule(rule: DropRule): CompiledDropRule {
  const conditions: Condition[] = [];
  let triedAtStart = true;
  if (rule.kind !== undefined) {
    const kinds = new Set(
      (Array.isArray(rule.kind) ? rule.kind : [rule.kind]).map((k) => KIND_VALUES[k as SpanKindName]),
    );
    conditions.push((input) => kinds.has(input.kind));
  }
  if (rule.spanName !== undefined) {
    const matcher: TextMatcher = compileTextPattern(rule.spanName);
    conditions.push((input) => matcher(input.name));
  }
  if (rule.path !== undefined) {
    const matcher = compilePathPattern(rule.path);
    conditions.push((input) => {
      if (input.path === undefined) input.path = requestPathOf(input.attributes) ?? null;
      return input.path !== null && matcher(input.path);
    });
  }
  for (const [key, expected] of Object.entries(rule.attributes ?? {}))
    conditions.push(attributeCondition(key, expected));
  if (rule.route !== undefined) {
    triedAtStart = false;
    const matcher = compilePathPattern(rule.route);
    conditions.push((input) => {
      const route = readFirst(input.attributes, HTTP_ROUTE);
      return route !== undefined && matcher(route);
    });
  }
  if (rule.status !== undefined) {
    triedAtStart = false;
    const code = STATUS_VALUES[rule.status];
    conditions.push((input) => input.statusCode === code);
  }
  const { minDurationMillis: min, maxDurationMillis: max } = rule;
  if (min !== undefined || max !== undefined) {
    triedAtStart = false;
    conditions.push((input) => {
      const millis = input.durationMillis;
      return (
        millis !== undefined && (min === undefined || millis >= min) && (max === undefined || millis <= max)
      );
    });
  }
  return {
    name: rule.name,
    triedAtStart,
    matches(input) {
      for (let i = 0; i < conditions.length; i++) if (!(conditions[i] as Condition)(input)) return false;
      return true;
    },
  };
}

/** The user's rules first, then the built-in ones that are switched on. */
export function compileDropRules(config: ResolvedCleanerConfig): readonly CompiledDropRule[] {
  return [
    ...config.dropRules,
    ...(config.dropHealthChecks ? HEALTH_CHECK_RULES : []),
    ...(config.dropStaticAssets ? STATIC_ASSET_RULES : []),
  ].map(compileDropRule);
}

/** The first matching rule; at start, only rules that can decide then (no route, status or duration). */
export function firstMatch(
  rules: readonly CompiledDropRule[],
  input: RuleInput,
  atStart: boolean,
): CompiledDropRule | undefined {
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i] as CompiledDropRule;
    if ((!atStart || rule.triedAtStart) && rule.matches(input)) return rule;
  }
  return undefined;
}
