import { resourceFromAttributes } from '@opentelemetry/resources';

/** The resource a Node.js service's NodeSDK reports (service, host, process, SDK). */
export function nodeServiceResource(r) {
  const attributes = {
    'service.name': r.service,
    'service.version': r.version,
    ...(r.instanceId === undefined ? {} : { 'service.instance.id': r.instanceId }),
    'deployment.environment.name': r.environment,
    'host.name': r.host,
    'process.pid': r.pid,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': r.runtimeVersion,
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.name': 'opentelemetry',
    'telemetry.sdk.version': '2.12.1',
  };
  return resourceFromAttributes(attributes);
}
