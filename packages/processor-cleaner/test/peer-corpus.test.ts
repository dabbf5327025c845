import { readdirSync, readFileSync } from 'node:fs';
import type { Tracer } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { recordCleaned } from './cleaned-spans.js';

interface Entry {
  id: string;
  category: string;
  key: string;
  value: string;
  secrets?: string[];
  synthetic?: boolean;
}
interface Group {
  source: { repository: string; commit: string; license: string; paths: string[] };
  positives: Entry[];
  negatives: Entry[];
}

const dir = new URL('./fixtures/peer-corpus/', import.meta.url);
const groups: [string, Group][] = readdirSync(dir)
  .filter((name) => name.endsWith('.json'))
  .map((name) => [name, JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as Group]);

/**
 * The floors this corpus is held to: what the cleaner reaches now (96.1% overall, 99.2% of
 * look-alikes kept), so a change that loses recall or precision fails here. Issue 22 asks 100% on
 * fixed-format provider keys: 97.8% now (the misses are README-listed), raised as it gets there.
 */
const FLOORS = {
  recallByCategory: {
    // The target: every fixed-format provider key.
    'provider-key': 1,
    'keyword-assignment': 0.97,
    'url-credentials': 1,
    'private-key': 1,
    card: 1,
    iban: 1,
    email: 1,
    'ip-address': 0.96,
    phone: 0.93,
    'other-secret': 0.9,
  } as Record<string, number>,
  recallOverall: 0.97,
  lookAlikesKept: 0.99,
};

async function cleanAll(entries: readonly Entry[]) {
  const run = await recordCleaned(
    'in place',
    { dropHealthChecks: false, dropStaticAssets: false },
    (tracer: Tracer) => {
      for (const entry of entries) {
        const span = tracer.startSpan(entry.id);
        span.setAttribute(entry.key, entry.value);
        span.end();
      }
    },
  );
  const cleaned = new Map(run.spans.map((s) => [s.name, s.attributes]));
  return (entry: Entry) => cleaned.get(entry.id)?.[entry.key];
}

describe("the peers' corpus (gitleaks, detect-secrets, presidio, OpenTelemetry semantic conventions)", () => {
  it('names its source, commit and license for every group', () => {
    expect(groups.length).toBeGreaterThanOrEqual(4);
    for (const [name, group] of groups) {
      expect(group.source.repository, name).toMatch(/^[\w.-]+\/[\w.-]+$/);
      expect(group.source.commit, name).toMatch(/^[0-9a-f]{40}$/);
      expect(group.source.license, name).not.toBe('');
      for (const entry of group.positives)
        for (const secret of entry.secrets ?? []) expect(entry.value, entry.id).toContain(secret);
    }
  });

  it('reports recall per category and look-alikes kept, and holds the floors', async () => {
    const positives = groups.flatMap(([, g]) => g.positives);
    const negatives = groups.flatMap(([, g]) => g.negatives);
    const cleanedOf = await cleanAll([...positives, ...negatives]);
    const byCategory = new Map<string, { total: number; caught: number; missed: string[] }>();
    for (const entry of positives) {
      const cleaned = String(cleanedOf(entry));
      const caught = (entry.secrets ?? []).every((secret) => !cleaned.includes(secret));
      const row = byCategory.get(entry.category) ?? { total: 0, caught: 0, missed: [] };
      row.total++;
      if (caught) row.caught++;
      else row.missed.push(`${entry.id}: ${JSON.stringify(entry.value).slice(0, 160)}`);
      byCategory.set(entry.category, row);
    }
    const falseAlarms: string[] = [];
    for (const entry of negatives) {
      const cleaned = cleanedOf(entry);
      if (cleaned !== entry.value)
        falseAlarms.push(
          `${entry.id} (${entry.key}): ${JSON.stringify(entry.value).slice(0, 120)} -> ${JSON.stringify(cleaned).slice(0, 120)}`,
        );
    }
    const caught = [...byCategory.values()].reduce((sum, row) => sum + row.caught, 0);
    const recall = caught / positives.length;
    const kept = 1 - falseAlarms.length / negatives.length;
    const lines = [...byCategory.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(
        ([category, row]) => `  ${category}: ${((100 * row.caught) / row.total).toFixed(1)}% of ${row.total}`,
      );
    console.log(
      `peer corpus: ${positives.length} positives, ${negatives.length} look-alikes; recall ${(100 * recall).toFixed(1)}%, look-alikes kept ${(100 * kept).toFixed(1)}%\n${lines.join('\n')}` +
        (process.env.PEER_CORPUS_DETAIL
          ? `\nmissed:\n  ${[...byCategory.values()].flatMap((r) => r.missed).join('\n  ')}\nfalse alarms:\n  ${falseAlarms.join('\n  ')}`
          : ''),
    );
    for (const [category, floor] of Object.entries(FLOORS.recallByCategory)) {
      const row = byCategory.get(category);
      expect(row === undefined ? 0 : row.caught / row.total, category).toBeGreaterThanOrEqual(floor);
    }
    expect(recall).toBeGreaterThanOrEqual(FLOORS.recallOverall);
    expect(kept).toBeGreaterThanOrEqual(FLOORS.lookAlikesKept);
  });
});
