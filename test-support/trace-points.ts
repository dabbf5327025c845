import type { TracePoint } from '@tracepoint/semantic-mapping';

/** Who calls whom in a point: [traceType, source, target, sourceMethod, targetMethod]. */
export function edgesOf(points: readonly TracePoint[]): string[][] {
  return points.map((p) => [
    p.traceType,
    p.sourceComponent,
    p.targetComponent,
    p.sourceMethod,
    p.targetMethod,
  ]);
}
