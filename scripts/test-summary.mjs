#!/usr/bin/env node
// Sums the vitest JSON reports of both OpenTelemetry legs into one closing line.
import { existsSync, readFileSync } from 'node:fs';

const legs = ['otel2', 'otel3'];
let passed = 0;
let failed = 0;
let skipped = 0;
for (const leg of legs) {
  const file = `test-results/${leg}.json`;
  if (!existsSync(file)) {
    console.error(`test-summary: ${file} is missing: the ${leg} leg did not run`);
    process.exit(1);
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  console.log(
    `${leg}: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests + report.numTodoTests} skipped`,
  );
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
