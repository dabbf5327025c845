export { hrTimeToNanoString, hrTimeToNanos } from './hrtime.js';
export type { SpanLike, TimedEventLike } from './span-shape.js';
