/**
 * What the SDKs' resources (ResourceImpl, 2.x and 3.x) expose while resource
 * detectors still owe attributes: NodeSDK's default detectors deliver some
 * (`host.id`) as promises. Until someone awaits them, every read of
 * `resource.attributes` rebuilds the attributes object and logs a diag error,
 * and caches keyed by the resource cannot keep what they computed from it.
 * BatchSpanProcessor awaits them before its first export; tracepoint's
 * processors do not wait in the span hot path, so they start the wait.
 */
interface SettlingResource {
  readonly asyncAttributesPending?: boolean;
  waitForAsyncAttributes?(): Promise<void>;
}

const started = new WeakSet<object>();

/** True while the resource's async attributes have not all arrived. */
export function attributesPending(resource: unknown): boolean {
  return (resource as SettlingResource | null | undefined)?.asyncAttributesPending === true;
}

/** Starts the resource's async attributes settling (once per resource); never throws, never waits. */
export function startSettling(resource: unknown): void {
  if (!attributesPending(resource)) return;
  const settling = resource as SettlingResource & object;
  if (started.has(settling) || typeof settling.waitForAsyncAttributes !== 'function') return;
  started.add(settling);
  try {
    settling.waitForAsyncAttributes().catch(() => undefined);
  } catch {
    // A detector that fails leaves its attribute out; the resource is read as it is.
  }
}

/**
 * Resolves when the resources of these spans have settled, or undefined at
 * once when none is pending (the usual case, so callers can stay synchronous).
 * Never rejects: a failing detector leaves its attribute out.
 */
export function settleResources(spans: readonly { readonly resource: unknown }[]): Promise<void> | undefined {
  const waits: Promise<unknown>[] = [];
  let previous: unknown;
  for (const span of spans) {
    const resource = span.resource;
    if (resource === previous) continue;
    previous = resource;
    if (!attributesPending(resource)) continue;
    const settling = resource as SettlingResource;
    if (typeof settling.waitForAsyncAttributes !== 'function') continue;
    try {
      waits.push(settling.waitForAsyncAttributes().catch(() => undefined));
    } catch {
      // As above: read as it is.
    }
  }
  return waits.length === 0 ? undefined : Promise.all(waits).then(() => undefined);
}
