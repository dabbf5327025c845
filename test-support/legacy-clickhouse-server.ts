import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { debianCacheDir, unpackDebianPackages } from './debian-packages.js';
import { freePort } from './free-port.js';

/**
 * A real, old ClickHouse server (18.16, from Debian bookworm's packages) for tests of what the exporter does
 * against legacy servers. Nothing is installed system-wide: the .debs are fetched with `apt-get download` and
 * unpacked into `.cache/debian/clickhouse-18` by `unpackDebianPackages`, once.
 * A clickhouse-server on PATH is never used: it would be some other version.
 */
const CACHE_DIR = debianCacheDir('clickhouse-18');
const BINARY = join(CACHE_DIR, 'usr/sbin/clickhouse-server');
// libclickhouse.so and its libraries live in usr/lib; libpcre3 still ships in /lib.
const LIBRARY_PATH = [join(CACHE_DIR, 'usr/lib/x86_64-linux-gnu'), join(CACHE_DIR, 'lib/x86_64-linux-gnu')];
/**
 * clickhouse-server, clickhouse-common (libclickhouse.so) and every shared library they need (checked with
 * ldd) that a minimal Debian bookworm lacks. libc6, libstdc++6, libgcc-s1, zlib1g, liblz4-1 and libzstd1
 * are essential there and come from the system.
 */
const PACKAGES = [
  'clickhouse-server',
  'clickhouse-common',
  'libboost-filesystem1.74.0',
  'libboost-program-options1.74.0',
  'libcapnp-0.9.2',
  'libcctz2',
  'libcpuinfo0',
  'libdouble-conversion3',
  'libexpat1',
  'libfarmhash0',
  'libicu72',
  'libjemalloc2',
  'libltdl7',
  'libmariadb3',
  'libmetrohash1',
  'libodbc2',
  'libpcre3',
  'libpococrypto80',
  'libpocodata80',
  'libpocodataodbc80',
  'libpocofoundation80',
  'libpocojson80',
  'libpocomongodb80',
  'libpoconet80',
  'libpoconetssl80',
  'libpocoutil80',
  'libpocoxml80',
  'librdkafka1',
  'libre2-9',
  'libsasl2-2',
  'libsasl2-modules-db',
  'libssl3',
];
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

/** Path to the clickhouse-server 18.16 binary and the library path it needs; downloads it on first use. */
export function ensureLegacyClickHouseServer(): { binary: string; libraryPath: string } {
  unpackDebianPackages({
    name: 'clickhouse-18',
    label: 'ClickHouse 18',
    packages: PACKAGES,
    marker: 'usr/sbin/clickhouse-server',
  });
  return { binary: BINARY, libraryPath: LIBRARY_PATH.join(':') };
}

export interface RunningLegacyClickHouse {
  /** HTTP interface, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  readonly url: string;
  readonly httpPort: number;
  /** What the server says `SELECT version()` is, e.g. `18.16.1`. */
  readonly version: string;
  stop(): Promise<void>;
}

function configXml(dir: string, httpPort: number, tcpPort: number): string {
  // 18.16 opens the interserver, HTTPS and secure native ports only when they are configured, so leaving
  // them out means the server listens on exactly http_port and tcp_port.
  return `<?xml version="1.0"?>
<yandex>
    <logger>
        <level>information</level>
        <log>${dir}/clickhouse-server.log</log>
        <errorlog>${dir}/clickhouse-server.err.log</errorlog>
        <console>0</console>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>${httpPort}</http_port>
    <tcp_port>${tcpPort}</tcp_port>
    <path>${dir}/data/</path>
    <tmp_path>${dir}/data/tmp/</tmp_path>
    <user_files_path>${dir}/data/user_files/</user_files_path>
    <format_schema_path>${dir}/data/format_schemas/</format_schema_path>
    <users_config>${dir}/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <max_concurrent_queries>100</max_concurrent_queries>
    <!-- On SIGTERM, wait at most 1 s (default 5 s) for connections a test left open. -->
    <shutdown_wait_unfinished>1</shutdown_wait_unfinished>
    <mark_cache_size>268435456</mark_cache_size>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
</yandex>
`;
}

const USERS_XML = `<?xml version="1.0"?>
<yandex>
    <profiles>
        <default></default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks>
                <ip>127.0.0.1</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default></default>
    </quotas>
</yandex>
`;

function logTail(dir: string): string {
  const parts: string[] = [];
  for (const name of ['console.log', 'clickhouse-server.err.log', 'clickhouse-server.log']) {
    let text: string;
    try {
      text = readFileSync(join(dir, name), 'utf8');
    } catch {
      continue;
    }
    const lines = text.trimEnd().split('\n').slice(-30).join('\n');
    if (lines !== '') parts.push(`--- ${name} (tail) ---\n${lines}`);
  }
  return parts.length > 0 ? parts.join('\n') : '(no server output)';
}

async function distinctFreePorts(): Promise<[number, number]> {
  const first = await freePort();
  let second = await freePort();
  while (second === first) second = await freePort();
  return [first, second];
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * GET without keep-alive: an idle pooled connection (as fetch keeps) would make the server wait out
 * shutdown_wait_unfinished on stop.
 */
function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const request = get(url, { agent: false, timeout: 5_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => done({ status: response.statusCode ?? 0, body }));
      response.on('error', fail);
    });
    request.on('timeout', () => request.destroy(new Error(`timed out: GET ${url}`)));
    request.on('error', fail);
  });
}

/**
 * Starts a throwaway ClickHouse 18.16 on free loopback ports, with its own config, users and data in a
 * temporary directory; resolves once `/ping` answers `Ok.`.
 */
export async function startLegacyClickHouse(): Promise<RunningLegacyClickHouse> {
  const { binary, libraryPath } = ensureLegacyClickHouseServer();
  const [httpPort, tcpPort] = await distinctFreePorts();
  const dir = mkdtempSync(join(tmpdir(), 'tracepoint-clickhouse18-'));
  const configFile = join(dir, 'config.xml');
  writeFileSync(configFile, configXml(dir, httpPort, tcpPort));
  writeFileSync(join(dir, 'users.xml'), USERS_XML);

  const env = { ...process.env };
  env.LD_LIBRARY_PATH = [libraryPath, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  // Whatever the server prints before its logger is up (e.g. a missing library) goes to console.log.
  const output = openSync(join(dir, 'console.log'), 'a');
  const child: ChildProcess = spawn(binary, [`--config-file=${configFile}`], {
    cwd: dir,
    env,
    stdio: ['ignore', output, output],
  });
  closeSync(output);
  let exitCode: number | string | undefined;
  const exited = new Promise<void>((done) => {
    child.once('exit', (code, signal) => {
      exitCode = code ?? signal ?? 'unknown';
      done();
    });
    child.once('error', (error) => {
      exitCode ??= String(error);
      done();
    });
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (exitCode === undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  const url = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exitCode !== undefined) {
      const message = `clickhouse-server 18 exited (${exitCode}) before answering /ping:\n${logTail(dir)}`;
      await stop();
      throw new Error(message);
    }
    try {
      if ((await httpGet(`${url}/ping`)).body.trim() === 'Ok.') break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      const message = `clickhouse-server 18 did not answer /ping on ${url} within ${START_TIMEOUT_MS / 1000} s:\n${logTail(dir)}`;
      await stop();
      throw new Error(message);
    }
    await sleep(100);
  }

  let version: string;
  try {
    const response = await httpGet(`${url}/?query=${encodeURIComponent('SELECT version()')}`);
    version = response.body.trim();
    if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${version}`);
  } catch (error) {
    await stop();
    throw new Error(`clickhouse-server 18 answered /ping but not SELECT version(): ${String(error)}`);
  }
  return { url, httpPort, version, stop };
}
