// The registry loader against a real HTTP server on 127.0.0.1 serving the real registry sample:
// download + disk cache, daily revalidation with ETag (304), offline fallback with a notice,
// no cache and no network → REGISTRY_UNAVAILABLE, local files and AIRBYTE_LOCAL_REGISTRY.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isAirbyteError } from '../../../src/core/errors';
import { loadRegistry, loadRegistryFile, parseRegistry, REGISTRY_MAX_AGE_MS } from '../../../src/core/registry/registry';
import { registrySample } from '../spec/specFixtures';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

const body = readFileSync(registrySample, 'utf8');
const etag = `"${createHash('sha1').update(body).digest('hex')}"`;

interface Served {
  url: string;
  requests: { ifNoneMatch?: string }[];
  close(): Promise<void>;
}

async function serve(handler?: (req: IncomingMessage, res: ServerResponse) => void, port = 0): Promise<Served> {
  const requests: { ifNoneMatch?: string }[] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ ifNoneMatch: req.headers['if-none-match'] as string | undefined });
    if (handler) return handler(req, res);
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', etag, 'last-modified': 'Thu, 14 Aug 2026 10:00:00 GMT' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/files/registries/v0/oss_registry.json`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('registry', () => {
  let dir: string;
  before(async () => {
    dir = await makeTempDir('aw-registry-');
  });
  after(async () => {
    await removeTempDir(dir);
  });

  it('parses the real sample leniently: names, images, specs, raw fields kept', async () => {
    const registry = await loadRegistryFile(registrySample);
    assert.equal(registry.list('destination').length, 12);
    assert.equal(registry.list('source').length, 3);
    const pg = registry.find('destination-postgres');
    assert.ok(pg);
    assert.equal(pg.displayName, 'Postgres');
    assert.equal(pg.dockerRepository, 'airbyte/destination-postgres');
    assert.equal(pg.dockerImageTag, '3.0.16');
    assert.equal(pg.supportLevel, 'certified');
    assert.equal(pg.supportsRefreshes, true);
    assert.match(pg.documentationUrl ?? '', /^https:\/\/docs\.airbyte\.com/);
    assert.ok(pg.spec?.connectionSpecification);
    assert.equal(pg.raw.githubIssueLabel, 'destination-postgres');
    assert.equal(registry.find('airbyte/source-faker')?.name, 'source-faker');
    assert.equal(registry.find('source-faker', 'destination'), undefined);
    assert.equal(registry.find('destination-nope'), undefined);
  });

  it('skips malformed entries and rejects a document that is not a registry', () => {
    const entries = parseRegistry({
      sources: [{ name: 'no image' }, null, { dockerRepository: 'airbyte/source-x', dockerImageTag: '1.0.0', newField: { a: 1 } }],
    });
    assert.deepEqual(
      entries.map((e) => [e.name, e.type, e.raw.newField]),
      [['source-x', 'source', { a: 1 }]],
    );
    assert.throws(
      () => parseRegistry([]),
      (e) => isAirbyteError(e, 'REGISTRY_UNAVAILABLE') && /not a JSON object/.test(e.message),
    );
    assert.throws(
      () => parseRegistry({ connectors: [] }),
      (e) => isAirbyteError(e, 'REGISTRY_UNAVAILABLE') && /neither "sources" nor "destinations"/.test(e.message),
    );
  });

  it('downloads once, then serves the cache for a day, then revalidates with If-None-Match (304)', async () => {
    const server = await serve();
    const cacheDir = path.join(dir, 'daily');
    let clock = Date.parse('2026-11-26T10:00:00Z');
    const now = () => clock;
    try {
      const first = await loadRegistry({ url: server.url, cacheDir, now });
      assert.equal(first.source, 'network');
      assert.equal(first.size, 15);
      assert.equal(server.requests.length, 1);

      clock += REGISTRY_MAX_AGE_MS - 60_000;
      const second = await loadRegistry({ url: server.url, cacheDir, now });
      assert.equal(second.source, 'cache');
      assert.equal(server.requests.length, 1, 'no request within a day');

      clock += 120_000;
      const third = await loadRegistry({ url: server.url, cacheDir, now });
      assert.equal(third.source, 'revalidated');
      assert.equal(server.requests.length, 2);
      assert.equal(server.requests[1].ifNoneMatch, etag);
      assert.equal(third.find('destination-s3')?.dockerImageTag, '1.9.8');

      // The 304 restarted the day.
      clock += REGISTRY_MAX_AGE_MS - 60_000;
      assert.equal((await loadRegistry({ url: server.url, cacheDir, now })).source, 'cache');
      assert.equal(server.requests.length, 2);
      // refresh forces the conditional GET.
      assert.equal((await loadRegistry({ url: server.url, cacheDir, now, refresh: true })).source, 'revalidated');
      assert.equal(server.requests.length, 3);
    } finally {
      await server.close();
    }
  });

  it('revalidates with If-Modified-Since when the server gives only Last-Modified', async () => {
    const lastModified = 'Thu, 14 Aug 2026 10:00:00 GMT';
    const seen: (string | undefined)[] = [];
    const server = await serve((req, res) => {
      seen.push(req.headers['if-modified-since'] as string | undefined);
      if (req.headers['if-modified-since'] === lastModified) {
        res.writeHead(304);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'last-modified': lastModified });
      res.end(body);
    });
    let clock = Date.parse('2026-11-26T10:00:00Z');
    try {
      const cacheDir = path.join(dir, 'last-modified');
      assert.equal((await loadRegistry({ url: server.url, cacheDir, now: () => clock })).source, 'network');
      clock += 2 * REGISTRY_MAX_AGE_MS;
      assert.equal((await loadRegistry({ url: server.url, cacheDir, now: () => clock })).source, 'revalidated');
      assert.deepEqual(seen, [undefined, lastModified]);
    } finally {
      await server.close();
    }
  });

  it('offline: serves once, then with the server down uses the cached copy and says so', async () => {
    const server = await serve();
    const cacheDir = path.join(dir, 'offline');
    let clock = Date.parse('2026-11-26T10:00:00Z');
    const now = () => clock;
    await loadRegistry({ url: server.url, cacheDir, now });
    await server.close();
    clock += 2 * REGISTRY_MAX_AGE_MS;
    const registry = await loadRegistry({ url: server.url, cacheDir, now });
    assert.equal(registry.source, 'offline-cache');
    assert.equal(registry.stale, true);
    assert.match(
      registry.notice ?? '',
      /^Offline: could not refresh the connector registry \(ECONNREFUSED.*\); using the copy cached on 2026-11-26 10:00 UTC\.$/,
    );
    assert.ok(registry.find('destination-postgres'));
    // An explicit offline mode never touches the network, and uses even an old cache.
    assert.equal((await loadRegistry({ url: server.url, cacheDir, now, offline: true })).source, 'cache');
  });

  it('falls back to the cache on an HTTP error and on a body that is not a registry', async () => {
    const good = await serve();
    const port = Number(new URL(good.url).port);
    const cacheDir = path.join(dir, 'http-error');
    let clock = Date.parse('2026-11-26T10:00:00Z');
    const now = () => clock;
    await loadRegistry({ url: good.url, cacheDir, now });
    await good.close();
    for (const [status, text, reason] of [
      [503, 'busy', /HTTP 503/],
      [200, '<html>captive portal</html>', /Unexpected token/],
    ] as const) {
      // The same URL (same port), now answering badly.
      const bad = await serve((_req, res) => {
        res.writeHead(status);
        res.end(text);
      }, port);
      clock += 2 * REGISTRY_MAX_AGE_MS;
      try {
        const registry = await loadRegistry({ url: good.url, cacheDir, now });
        assert.equal(registry.source, 'offline-cache');
        assert.match(registry.notice ?? '', reason);
        assert.equal(registry.size, 15, 'the cached copy was not overwritten by the bad answer');
      } finally {
        await bad.close();
      }
    }
  });

  it('no cache and no network: REGISTRY_UNAVAILABLE with guidance', async () => {
    const server = await serve();
    const url = server.url;
    await server.close();
    const error = await loadRegistry({ url, cacheDir: path.join(dir, 'none') }).catch((e: unknown) => e);
    assert.ok(isAirbyteError(error, 'REGISTRY_UNAVAILABLE'));
    assert.match(error.message, /^Could not download the connector registry from http:\/\/127\.0\.0\.1:\d+\/.*: ECONNREFUSED/);
    assert.match(error.guidance ?? '', /AIRBYTE_LOCAL_REGISTRY/);
    const offline = await loadRegistry({ url, cacheDir: path.join(dir, 'none'), offline: true }).catch((e: unknown) => e);
    assert.ok(isAirbyteError(offline, 'REGISTRY_UNAVAILABLE'));
  });

  it('uses AIRBYTE_LOCAL_REGISTRY as a file path or URL, and a bad file fails clearly', async () => {
    const fromFile = await loadRegistry({ cacheDir: dir, env: { AIRBYTE_LOCAL_REGISTRY: registrySample } });
    assert.equal(fromFile.source, 'file');
    assert.equal(fromFile.location, registrySample);
    const server = await serve();
    try {
      const fromUrl = await loadRegistry({ cacheDir: path.join(dir, 'env-url'), env: { AIRBYTE_LOCAL_REGISTRY: server.url } });
      assert.equal(fromUrl.source, 'network');
      assert.equal(fromUrl.location, server.url);
    } finally {
      await server.close();
    }
    const missing = await loadRegistry({ cacheDir: dir, env: { AIRBYTE_LOCAL_REGISTRY: path.join(dir, 'nope.json') } }).catch(
      (e: unknown) => e,
    );
    assert.ok(isAirbyteError(missing, 'REGISTRY_UNAVAILABLE'));
    assert.match(missing.message, /Cannot read the registry file .*nope\.json: ENOENT/);
    const notRegistry = path.join(dir, 'not-registry.json');
    await fs.writeFile(notRegistry, '{"hello": 1}');
    const bad = await loadRegistryFile(notRegistry).catch((e: unknown) => e);
    assert.ok(isAirbyteError(bad, 'REGISTRY_UNAVAILABLE'));
    assert.match(bad.message, /is not a connector registry/);
  });
});
