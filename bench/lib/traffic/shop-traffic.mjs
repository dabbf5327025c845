// Traffic source of the dashboard benchmark: a four-service shop (frontend -> orders ->
// inventory / payments -> PostgreSQL and an untraced payment provider) with HTTP server spans
// with http.route, client spans with server.address/port and peer.service, PostgreSQL spans,
// 4xx/5xx and exceptions, at explicit times, through the span processors it is given.
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { CallerPropagator } from '@tracepoint/semantic-mapping';
import { seededRandom } from '../seeded-random.mjs';
import { nodeServiceResource } from './resource.mjs';
import { checkout, orderLookup, productView } from './shop-requests.mjs';
import { httpClientAttributes, httpServerAttributes, postgresAttributes } from './span-attributes.mjs';

export class ShopTraffic {
  constructor(spanProcessors, seed) {
    this.rand = seededRandom(seed);
    this.spans = 0;
    this.traces = 0;
    this.propagator = new CallerPropagator({ propagator: new W3CTraceContextPropagator() });
    this.providers = [];
    this.tracers = {};
    for (const service of ['frontend', 'orders', 'inventory', 'payments']) {
      const provider = new BasicTracerProvider({
        resource: nodeServiceResource({
          service,
          version: '2.3.1',
          environment: 'bench',
          host: `${service}-7d9f8b6c5-x2x4k`,
          pid: 1000 + this.providers.length,
          runtimeVersion: '20.20.2',
        }),
        // One pipeline shared by the four providers (as one process per service would have its own).
        spanProcessors,
      });
      this.providers.push(provider);
      this.tracers[service] = {
        http: provider.getTracer('@opentelemetry/instrumentation-http', '0.223.0'),
        fetch: provider.getTracer('@opentelemetry/instrumentation-undici', '0.33.0'),
        pg: provider.getTracer('@opentelemetry/instrumentation-pg', '0.61.0'),
        app: provider.getTracer('shop', '2.3.1'),
      };
    }
  }

  /** Log-normal milliseconds around `median`. */
  ms(median, sigma = 0.5) {
    const u = Math.max(this.rand(), 1e-12);
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.rand());
    return median * Math.exp(sigma * z);
  }

  start(service, tracer, name, kind, attributes, startMs, parent) {
    const span = this.tracers[service][tracer].startSpan(
      name,
      { kind, attributes, startTime: startMs },
      parent,
    );
    return { span, ctx: trace.setSpan(parent, span), startMs };
  }

  end(s, endMs, { error, exception, errorType } = {}) {
    if (exception !== undefined) s.span.recordException(exception, exception.atMs ?? endMs);
    if (errorType !== undefined) s.span.setAttribute('error.type', errorType);
    if (error) s.span.setStatus({ code: SpanStatusCode.ERROR, message: error === true ? undefined : error });
    s.span.end(endMs);
    this.spans++;
    return endMs;
  }

  /** What the callee's HTTP server sees: the W3C headers (with the caller member) of the client span. */
  remote(clientCtx) {
    const headers = {};
    this.propagator.inject(clientCtx, headers, defaultTextMapSetter);
    return this.propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  }

  server(service, method, route, path, status, startMs, parent) {
    const attributes = httpServerAttributes({
      method,
      route,
      path,
      scheme: 'http',
      host: service,
      port: 8080,
      protocol: '1.1',
      clientAddress: '10.0.0.2',
      userAgent: 'node',
      status,
    });
    return this.start(service, 'http', `${method} ${route}`, SpanKind.SERVER, attributes, startMs, parent);
  }

  client(service, method, peer, path, status, startMs, parent) {
    const external = peer.includes('.');
    const attributes = httpClientAttributes({
      method,
      url: external ? `https://${peer}${path}` : `http://${peer}:8080${path}`,
      scheme: external ? 'https' : 'http',
      host: peer,
      port: external ? 443 : 8080,
      peerService: external ? undefined : peer,
      protocol: '1.1',
      status,
    });
    return this.start(service, 'fetch', method, SpanKind.CLIENT, attributes, startMs, parent);
  }

  /** A call from `from` to the service `to`: its client span and the callee's server span behind the propagated headers. */
  call(from, method, to, route, path, status, startMs, parent) {
    const client = this.client(from, method, to, path, status, startMs, parent);
    const server = this.server(
      to,
      method,
      route,
      path,
      status,
      client.startMs + this.ms(0.4),
      this.remote(client.ctx),
    );
    return { client, server };
  }

  db(service, operation, table, query, startMs, parent) {
    const attributes = postgresAttributes({ database: 'shop', operation, table, query, host: 'postgres' });
    const s = this.start(
      service,
      'pg',
      `${operation} ${table}`,
      SpanKind.CLIENT,
      attributes,
      startMs,
      parent,
    );
    return this.end(s, startMs + this.ms(1.2, 0.6));
  }

  sku() {
    return `SKU-${String(Math.floor(this.rand() * 500)).padStart(4, '0')}`;
  }

  /**
   * One request starting at t0 (ms since the epoch): 60% product views, 15% checkouts, 25% order
   * lookups. No health probes: the cleaner drops them before the aggregator and the exporter.
   */
  request(t0) {
    this.traces++;
    const r = this.rand();
    if (r < 0.6) productView(this, t0);
    else if (r < 0.75) checkout(this, t0);
    else orderLookup(this, t0);
  }
}
