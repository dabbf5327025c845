import type { Attributes, SpanContext } from '@opentelemetry/api';

const MAX_THRESHOLD = 2 ** 56;

/**
 * How many spans this one stands for. In order: the OTel sampling threshold
 * in `tracestate` (`ot=th:<hex>`, adjusted count 2^56 / (2^56 - T)), then
 * `sampling.adjusted_count`, then `sampling.probability` (1 / p), then
 * Honeycomb-style `SampleRate` (1 in N). Anything unreadable counts as 1.
 */
export function samplingWeight(context: SpanContext, attributes: Attributes): number {
  const ot = context.traceState?.get('ot');
  if (ot !== undefined) {
    const th = /(?:^|;)th:([0-9a-f]{1,14})(?:;|$)/.exec(ot)?.[1];
    if (th !== undefined) {
      const threshold = Number.parseInt(th.padEnd(14, '0'), 16);
      if (threshold < MAX_THRESHOLD) return MAX_THRESHOLD / (MAX_THRESHOLD - threshold);
    }
  }
  const adjusted = attributes['sampling.adjusted_count'];
  if (typeof adjusted === 'number' && adjusted >= 1 && Number.isFinite(adjusted)) return adjusted;
  const probability = attributes['sampling.probability'];
  if (typeof probability === 'number' && probability > 0 && probability <= 1) return 1 / probability;
  const rate = attributes.SampleRate;
  if (typeof rate === 'number' && rate >= 1 && Number.isFinite(rate)) return rate;
  return 1;
}
