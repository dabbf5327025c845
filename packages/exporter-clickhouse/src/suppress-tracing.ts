export { withTracingSuppressed } from '@tracepoint/semantic-mapping';
