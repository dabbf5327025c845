import { createHash } from 'node:crypto';
import type { SpanContext } from '@opentelemetry/api';

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ALL_ZEROS = /^0+$/;

/** Lower-case hex of the right length, not all zeros; one pass, no regex (it runs on every span). */
function isLowerHexId(id: string, length: number): boolean {
  if (id.length !== length) return false;
  let nonZero = false;
  for (let i = 0; i < length; i++) {
    const code = id.charCodeAt(i);
    if (code === 48) continue;
    if (!((code > 48 && code <= 57) || (code >= 97 && code <= 102))) return false;
    nonZero = true;
  }
  return nonZero;
}

/**
 * A valid lowercase id for an invalid one, or undefined when the id is fine.
 * Upper case is lowered; anything else is replaced by a hash of what was
 * there, so a parent and its children, which carry the same bad id, still
 * agree after the fix.
 */
function fixedId(id: unknown, kind: 'trace' | 'span'): string | undefined {
  const valid = kind === 'trace' ? TRACE_ID : SPAN_ID;
  if (typeof id === 'string' && isLowerHexId(id, kind === 'trace' ? 32 : 16)) return undefined;
  if (typeof id === 'string') {
    const lower = id.toLowerCase();
    if (valid.test(lower) && !ALL_ZEROS.test(lower)) return lower;
  }
  const hex = createHash('sha256')
    .update(`${kind}:${String(id)}`)
    .digest('hex');
  return hex.slice(0, kind === 'trace' ? 32 : 16);
}

/**
 * The last trace id found valid. The spans of one trace end close together and share their trace
 * id (usually the same string object), and a span's parent context carries it too, so most
 * checks are one comparison instead of a 32-character walk: the id checks were 8% of the
 * cleaner's profile on instrumentation-http spans. Exact: only an id that passed is remembered.
 */
let lastValidTraceId = '00000000000000000000000000000001'; // valid, so the first comparison is exact too

/**
 * The last two span ids found valid. Siblings carry their parent's id in their parent context,
 * and the parent, ending after them, carries it as its own. With two slots, the one used less
 * recently replaced, the parent's id stays while the children's own ids take turns in the other,
 * so most of those checks are a comparison instead of a 16-character walk. Exact, as for trace
 * ids: only ids that passed are remembered.
 */
const validSpanIds: [string, string] = ['0000000000000001', '0000000000000001'];
let recentSpanIdSlot = 0;

/** A span context with valid ids, or undefined when it already was valid. */
export function fixedSpanContext(context: SpanContext): SpanContext | undefined {
  const id = context.traceId;
  let traceId: string | undefined;
  if (id !== lastValidTraceId) {
    traceId = fixedId(id, 'trace');
    if (traceId === undefined) lastValidTraceId = id;
  }
  const sid = context.spanId;
  let spanId: string | undefined;
  if (sid === validSpanIds[0]) recentSpanIdSlot = 0;
  else if (sid === validSpanIds[1]) recentSpanIdSlot = 1;
  else {
    spanId = fixedId(sid, 'span');
    if (spanId === undefined) {
      // The slot not used last goes: the parent's id, compared on every sibling, stays.
      recentSpanIdSlot ^= 1;
      validSpanIds[recentSpanIdSlot] = sid;
    }
  }
  if (traceId === undefined && spanId === undefined) return undefined;
  return { ...context, traceId: traceId ?? context.traceId, spanId: spanId ?? context.spanId };
}
