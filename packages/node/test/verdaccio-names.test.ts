import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  createEmbeddedClient,
  type LocalHttpServer,
  startLocalHttpServer,
} from '@tracepoint/clickhouse-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { legDir } from '../../../test-support/child-process.js';
import { tempDataDir } from '../../../test-support/data-dir.js';
import { freePort } from '../../../test-support/free-port.js';
import { fetchWhenListening, startVerdaccio } from '../../../test-support/verdaccio.js';

// verdaccio (a real npm registry, no http.route on its spans) under the add-on, published to and
// fetched from over its real API: its span names stay a few templates as versions grow.
const dataDir = tempDataDir('node-verdaccio-names');
let server: LocalHttpServer;
let client: ReturnType<typeof createEmbeddedClient>;
const packageDir = new URL('..', import.meta.url).pathname;

beforeAll(async () => {
  server = await startLocalHttpServer({ path: dataDir.path, port: 0 });
  client = createEmbeddedClient({ path: dataDir.path });
});

afterAll(async () => {
  await client?.close();
  await server?.close();
  dataDir.remove();
});

const PACKAGES = [
  { name: 'tp-demo-a', file: 'tp-demo-a', url: 'tp-demo-a' },
  { name: 'tp-demo-b', file: 'tp-demo-b', url: 'tp-demo-b' },
  { name: '@acme/widget', file: 'widget', url: '@acme%2fwidget' },
];
const VERSIONS = Array.from({ length: 12 }, (_, i) => `1.${Math.floor(i / 4)}.${i % 4}`);

describe.skipIf(Number(process.versions.node.split('.')[0]) < 22)('verdaccio under the add-on', () => {
  it.each([
    {
      // No http.route: the cleaner's templates. Package names and the user stay literal (shape
      // cannot tell them); the dist-tags come from TRACEPOINT_PATH_PATTERNS.
      instrumentations: 'http',
      names: [
        'GET /@{scope}%2f{name}',
        'GET /@{scope}/{name}/-/{name}-{version}.tgz',
        'GET /tp-demo-a',
        'GET /tp-demo-b',
        'GET /{name}/-/{name}-{version}.tgz',
        'PUT /-/package/{name}/dist-tags/{tag}',
        'PUT /-/user/org.couchdb.user:tp',
        'PUT /@{scope}%2f{name}',
        'PUT /tp-demo-a',
        'PUT /tp-demo-b',
      ],
    },
    {
      // With express's instrumentation verdaccio's routes name the spans; the cleaner leaves them.
      instrumentations: 'http,express',
      names: [
        'GET /:package/-/:filename',
        'GET /:package/:version?',
        'PUT /-/package/:package/dist-tags/:tag',
        'PUT /-/user/:org_couchdb_user/:_rev?/:revision?',
        'PUT /:package/:_rev?/:revision?',
      ],
    },
  ])(
    'publishing and fetching 36 versions of 3 packages gives a few span names ($instrumentations)',
    async ({ instrumentations, names }) => {
      const database = `verdaccio_names_${instrumentations.replace(',', '_')}`;
      const storage = tempDataDir('verdaccio-names');
      const config = join(storage.path, 'config.yaml');
      writeFileSync(
        config,
        [
          'storage: ./storage',
          'auth: { htpasswd: { file: ./htpasswd } }',
          'uplinks: {}',
          "packages: { '**': { access: $all, publish: $authenticated } }",
          'log: { type: stdout, format: json, level: warn }',
          '',
        ].join('\n'),
      );
      const { first, child, err } = await startVerdaccio(
        {
          TRACEPOINT_RESOLVE_FROM: legDir(),
          TRACEPOINT_CLICKHOUSE_URL: server.url,
          TRACEPOINT_CLICKHOUSE_DATABASE: database,
          OTEL_NODE_ENABLED_INSTRUMENTATIONS: instrumentations,
          TRACEPOINT_PATH_PATTERNS: '/-/package/{name}/dist-tags/{tag}',
        },
        ['--import', `${packageDir}register.mjs`],
        ['--config', config, '--listen', `127.0.0.1:${await freePort()}`],
      );
      const addr = first.addr as string;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      let requests = 0;
      try {
        const user = await fetchWhenListening(`${addr}-/user/org.couchdb.user:tp`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'tp', password: 'tp-password-1', type: 'user', roles: [] }),
        });
        expect(user.status).toBe(201);
        const { token } = (await user.json()) as { token: string };
        const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
        requests++;
        for (const pkg of PACKAGES) {
          for (const version of VERSIONS) {
            const tarball = gzipSync(Buffer.from(`${pkg.name}@${version}`));
            const file = `${pkg.file}-${version}.tgz`;
            const published = await fetchWhenListening(`${addr}${pkg.url}`, {
              method: 'PUT',
              headers: auth,
              body: JSON.stringify({
                _id: pkg.name,
                name: pkg.name,
                'dist-tags': { latest: version },
                versions: {
                  [version]: { name: pkg.name, version, dist: { tarball: `${addr}${pkg.name}/-/${file}` } },
                },
                _attachments: {
                  [file]: {
                    content_type: 'application/octet-stream',
                    data: tarball.toString('base64'),
                    length: tarball.length,
                  },
                },
              }),
            });
            expect(published.status, await published.text()).toBe(201);
            const fetched = await fetchWhenListening(`${addr}${pkg.name}/-/${file}`);
            expect(fetched.status).toBe(200);
            await fetched.arrayBuffer();
            requests += 2;
          }
          const metadata = await fetchWhenListening(`${addr}${pkg.url}`);
          expect(metadata.status).toBe(200);
          await metadata.text();
          for (const tag of ['beta', 'next']) {
            const tagged = await fetchWhenListening(`${addr}-/package/${pkg.url}/dist-tags/${tag}`, {
              method: 'PUT',
              headers: auth,
              body: JSON.stringify(VERSIONS[0]),
            });
            expect(tagged.status).toBe(201);
            await tagged.text();
          }
          requests += 3;
        }
        child.kill('SIGTERM');
        await exited;
      } finally {
        child.kill('SIGKILL');
        storage.remove();
      }
      expect(err()).not.toContain('tracepoint:');
      const spans = await (
        await client.query({
          query: `SELECT SpanName AS name, count() AS n FROM ${database}.otel_traces
                WHERE SpanKind = 'Server' GROUP BY name ORDER BY name`,
          format: 'JSONEachRow',
        })
      ).json<{ name: string; n: string }>();
      expect(spans.reduce((sum, s) => sum + Number(s.n), 0)).toBe(requests);
      // 82 requests over 46 distinct paths (36 tarballs): 10 names without routes, 5 with.
      expect(spans.map((s) => s.name)).toEqual(names);
    },
  );
});
