import { createHmac } from 'node:crypto';
import { DB_QUERY_TEXT, MemoWatch } from '@tracepoint/core';
import type { ResolvedCleanerConfig } from './cleaner-options.js';
import type { CleanerStats } from './cleaner-stats.js';
import type { DetectorName } from './detector-names.js';
import { type QueryDialect, queryDialectOf, redactQueryLiterals } from './query-literals.js';
import { DETECTORS, type Detector, type Masker } from './secret-detectors.js';
import { BUILT_IN_BLOCKED_KEY, isEssentialKey, NETWORK_ADDRESS_KEYS, NOT_SECRET_KEY } from './secret-keys.js';
import { emptyFeatures, textFeatures } from './text-features.js';
import { compileAnyPattern, type TextMatcher } from './text-pattern.js';

/** Why a key's whole value goes: its name says secret, or the allowlist does not admit it. */
export type KeyVerdict = 'blockedKey' | 'notAllowedKey' | undefined;

/**
 * What is known of one attribute key: its verdict, and the last text `ValueCleaner.cleanText`
 * gave back unchanged under it. One entry per key, found with the verdict's lookup (the key
 * strings come from the instrumentation, so their hashes are cached), so a value that repeats
 * under its key is settled by `===` without hashing a freshly built value string.
 */
export interface KeyEntry {
  readonly verdict: KeyVerdict;
  /** A query-text key: its values depend on the dialect, so none is remembered here. */
  readonly query: boolean;
  lastClean: string | undefined;
  /** Whether this key's values go through the clean-text set: not while they hardly ever repeat. */
  readonly memo: MemoWatch;
}

const QUERY_TEXT_KEYS: ReadonlySet<string> = new Set(DB_QUERY_TEXT);

/** Key verdicts are cached per key; attribute keys are few, but a bound keeps hostile keys from growing it. */
const MAX_CACHED_KEYS = 4096;
/**
 * Texts the value detectors found clean are remembered, so a value that
 * repeats (user agents, URLs, hosts, statements) skips the scans: a set
 * lookup hashes the text once, where the detectors' scan tries every
 * alternative at every position (about 30% of the cleaner's time). Texts with
 * a secret are not remembered, so each redaction is still counted. Bounded in
 * entries and length; emptied when full.
 */
const MAX_CLEAN_TEXTS = 4096;
/** Texts shorter than this hold no secret any detector finds, nor a query literal worth a scan. */
export const MIN_REDACTABLE_LENGTH = 6;
const MAX_CLEAN_TEXT_LENGTH = 512;
const MAX_LITERAL_FREE = 1024;
const MAX_LITERAL_FREE_LENGTH = 2048;

/**
 * Secrets out of attribute values, names and messages: whole values by key
 * (blocklist, fail-closed allowlist), query literals, then the value
 * detectors. Counts per rule, never the values.
 */
export class Redactor {
  readonly enabled: boolean;
  private readonly detectors: readonly Detector[];
  private readonly userBlocked: TextMatcher | undefined;
  private readonly allowed: TextMatcher | undefined;
  private readonly failClosed: boolean;
  private readonly queryLiterals: boolean;
  private readonly keys = new Map<string, KeyEntry>();
  private readonly mask: Masker;
  private readonly cleanTexts = new Set<string>();
  /**
   * Texts clean under the network attributes (NETWORK_ADDRESS_KEYS), where the IP and phone
   * detectors do not run: apart from `cleanTexts`, which holds texts clean under every detector.
   * Client and peer addresses repeat (a few hosts); without this each one was scanned again.
   */
  private readonly cleanNetworkTexts = new Set<string>();
  /**
   * Query texts without literals, per dialect: parametrized statements (what ORMs and drivers
   * with placeholders send) repeat on every call, and the literal scan was about 12% of the
   * cleaner's time. Only texts the scan left as they were, so no literal value is kept here.
   */
  private readonly literalFree: Record<QueryDialect, Set<string>> = {
    sql: new Set(),
    'sql-standard': new Set(),
    mysql: new Set(),
    redis: new Set(),
    json: new Set(),
  };
  /** Statements with literals in them (most, where drivers inline values) never repeat: see MemoWatch. */
  private readonly literalFreeWatch: Record<QueryDialect, MemoWatch> = {
    sql: new MemoWatch(),
    'sql-standard': new MemoWatch(),
    mysql: new MemoWatch(),
    redis: new MemoWatch(),
    json: new MemoWatch(),
  };
  /** Reused for every text: the prefilter allocates nothing. */
  private readonly features = emptyFeatures();

  constructor(
    config: ResolvedCleanerConfig,
    private readonly stats: CleanerStats,
  ) {
    this.enabled = config.redaction !== 'off';
    this.detectors = config.detectors.map((name) => DETECTORS[name]);
    this.userBlocked = compileAnyPattern(config.blockedKeys);
    this.failClosed = config.allowedKeys !== undefined;
    this.allowed = compileAnyPattern(config.allowedKeys ?? []);
    this.queryLiterals = config.queryLiterals;
    const hmacKey = config.hmacKey;
    this.mask =
      config.redaction === 'hmac' && hmacKey !== undefined
        ? (secret, rule) => {
            this.stats.redact(rule);
            return `hmac:${createHmac('sha256', hmacKey).update(secret).digest('hex').slice(0, 16)}`;
          }
        : (_secret, rule, style) => {
            this.stats.redact(rule);
            return style === 'url' ? 'REDACTED' : `[REDACTED:${rule}]`;
          };
  }

  /** Whether every value of this key goes, and why. */
  keyVerdict(key: string): KeyVerdict {
    return this.keyEntry(key).verdict;
  }

  /** The key's entry (see `KeyEntry`); past the bound a new one, which remembers nothing for long. */
  keyEntry(key: string): KeyEntry {
    const cached = this.keys.get(key);
    if (cached !== undefined) return cached;
    let verdict: KeyVerdict;
    if (!this.enabled) verdict = undefined;
    else if ((BUILT_IN_BLOCKED_KEY.test(key) && !NOT_SECRET_KEY.test(key)) || this.userBlocked?.(key))
      verdict = 'blockedKey';
    else if (this.failClosed && !isEssentialKey(key) && !this.allowed?.(key)) verdict = 'notAllowedKey';
    const entry: KeyEntry = {
      verdict,
      query: QUERY_TEXT_KEYS.has(key),
      lastClean: undefined,
      memo: new MemoWatch(),
    };
    if (this.keys.size < MAX_CACHED_KEYS) this.keys.set(key, entry);
    return entry;
  }

  /** The replacement for a whole value a key verdict condemned. */
  maskWhole(value: string, rule: Exclude<KeyVerdict, undefined>): string {
    return this.mask(value, rule as DetectorName, 'text');
  }

  /** How many texts the clean-text set holds (tests watch it stay small under unique values). */
  get rememberedTexts(): number {
    return this.cleanTexts.size + this.cleanNetworkTexts.size;
  }

  /**
   * True when `text` under `key` is one the detectors found clean before (so `redactText` would
   * give it back as it is). Only texts `redactText` scanned are remembered, and it is called only
   * on texts already free of control characters and lone surrogates. Never for a query-text key:
   * its literals are redacted before the remembered texts are consulted.
   */
  knownClean(text: string, key: string | undefined): boolean {
    if (!this.enabled || text.length > MAX_CLEAN_TEXT_LENGTH) return false;
    if (this.queryLiterals && key !== undefined && QUERY_TEXT_KEYS.has(key)) return false;
    return this.cleanTexts.has(text) || (key !== undefined && this.knownCleanAddress(text, key));
  }

  /**
   * A text with its secrets replaced; `dbSystem` picks the query dialect for query-text keys.
   * `notRemembered`: a text the caller already found not `knownClean`, so it is not looked up
   * again (skipping a lookup only ever costs a scan; the scan's answer is the same). `memo`
   * false: the clean-text set is neither read nor written for this text (KeyEntry.memo).
   */
  redactText(
    text: string,
    key: string | undefined,
    dbSystem: string | undefined,
    notRemembered?: string,
    memo = true,
  ): string {
    if (!this.enabled) return text;
    if (text.length < MIN_REDACTABLE_LENGTH) {
      // Too short for any detector or literal; remembered too, so the caller's next `knownClean`
      // answers (`GET`, `app`, `1.1` repeat on every span: 40% of the texts reaching here).
      if (memo) this.remember(text);
      return text;
    }
    let out = text;
    const query = this.queryLiterals && key !== undefined && QUERY_TEXT_KEYS.has(key);
    if (query) {
      const dialect = queryDialectOf(dbSystem, out);
      const literalFree = this.literalFree[dialect];
      const watch = this.literalFreeWatch[dialect];
      const literalMemo = watch.uses();
      const known = literalMemo && literalFree.has(out);
      if (literalMemo) watch.looked(known);
      if (!known) {
        const result = redactQueryLiterals(out, dialect);
        if (result.replaced > 0) {
          this.stats.redact('queryLiterals');
          out = result.text;
        } else if (literalMemo && out.length <= MAX_LITERAL_FREE_LENGTH) {
          if (literalFree.size >= MAX_LITERAL_FREE) literalFree.clear();
          literalFree.add(out);
        }
      }
    }
    // `knownClean` never looks up a query text, so for one the lookup happens here.
    if (memo && (query || out !== notRemembered) && this.cleanTexts.has(out)) return out;
    if (memo && key !== undefined && out !== notRemembered && this.knownCleanAddress(out, key)) return out;
    const scanned = out;
    // One pass over the characters, then only the detectors whose condition holds. Once one has
    // masked something the text is no longer the one described, so the rest all run.
    const features = textFeatures(out, this.features);
    // The network attributes tracing needs keep their addresses (the IP and phone detectors skip
    // them: `::ffff:10.1.2.3` holds a dotted quad), so
    // their texts are not remembered as clean for keys where it runs.
    let network = false;
    for (let i = 0; i < this.detectors.length; i++) {
      const detector = this.detectors[i] as Detector;
      const unchanged = out === scanned;
      if (unchanged && !detector.mayFind(features)) continue;
      if (
        (detector.name === 'ipAddress' || detector.name === 'phone') &&
        key !== undefined &&
        NETWORK_ADDRESS_KEYS.has(key)
      ) {
        network = true;
        continue;
      }
      // The features describe `scanned`: once a detector changed the text they no longer apply.
      out = detector.redact(out, this.mask, unchanged ? features : undefined);
    }
    if (out === scanned && memo) {
      if (!network) this.remember(out);
      else if (out.length <= MAX_CLEAN_TEXT_LENGTH) {
        if (this.cleanNetworkTexts.size >= MAX_CLEAN_TEXTS) this.cleanNetworkTexts.clear();
        this.cleanNetworkTexts.add(out);
      }
    }
    return out;
  }

  private knownCleanAddress(text: string, key: string): boolean {
    return (
      this.cleanNetworkTexts.size > 0 && NETWORK_ADDRESS_KEYS.has(key) && this.cleanNetworkTexts.has(text)
    );
  }

  /** A text `redactText` gives back as it is (its control characters already checked by the caller). */
  private remember(text: string): void {
    if (text.length > MAX_CLEAN_TEXT_LENGTH) return;
    if (this.cleanTexts.size >= MAX_CLEAN_TEXTS) this.cleanTexts.clear();
    this.cleanTexts.add(text);
  }
}
