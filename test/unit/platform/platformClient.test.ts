// The platform client and deploy core in process: settings from PyAirbyte's environment variables,
// the mapping of strategies onto per-stream sync modes, and, against the FAKE platform behind Prism,
// that Prism does catch a response breaking the description, that an API message echoing a secret is
// masked, that a bearer token given directly is used as is, and that cancellation stops a retry wait.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfigFileText } from '../../../src/core/config/configFile';
import { isAirbyteError } from '../../../src/core/errors';
import { PlatformClient, retryAfterMs } from '../../../src/core/platform/platformClient';
import { deployPair } from '../../../src/core/platform/platformDeploy';
import { listJobs } from '../../../src/core/platform/platformJobs';
import { CLOUD_API_URL, platformSettings, platformUiUrl } from '../../../src/core/platform/platformSettings';
import { streamConfigurations } from '../../../src/core/platform/streamModes';
import type { StreamProperties } from '../../../src/core/platform/streamModes';
import { WorkspaceStore } from '../../../src/core/store/workspaceStore';
import type { FakePlatform } from '../../harness/fakePlatform';
import { FAKE_DEFINITIONS, startFakePlatform } from '../../harness/fakePlatform';
import type { PrismProxy } from '../../harness/prismProxy';
import { startPrismProxy } from '../../harness/prismProxy';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

describe('platform settings', () => {
  it("reads PyAirbyte's variables, options override them, Cloud by default", () => {
    const env = {
      AIRBYTE_CLOUD_CLIENT_ID: 'id-from-env',
      AIRBYTE_CLOUD_CLIENT_SECRET: 'secret-from-env',
      AIRBYTE_CLOUD_WORKSPACE_ID: 'ws-env',
    };
    assert.deepEqual(platformSettings({}, env), {
      apiUrl: CLOUD_API_URL,
      clientId: 'id-from-env',
      clientSecret: 'secret-from-env',
      bearerToken: undefined,
      workspaceId: 'ws-env',
    });
    const overridden = platformSettings({ apiUrl: 'http://airbyte.local:8000/api/public/v1/', workspaceId: 'ws-option' }, env);
    assert.equal(overridden.apiUrl, 'http://airbyte.local:8000/api/public/v1');
    assert.equal(overridden.workspaceId, 'ws-option');
    assert.throws(() => platformSettings({ apiUrl: 'airbyte.local' }, {}), /is not an http\(s\) URL/);
    assert.throws(
      () => new PlatformClient(platformSettings({}, {})),
      (e: unknown) =>
        isAirbyteError(e, 'PLATFORM_AUTH') && /AIRBYTE_CLOUD_CLIENT_ID and AIRBYTE_CLOUD_CLIENT_SECRET/.test(e.guidance ?? ''),
    );
  });

  it('finds the web UI beside the API and reads Retry-After in both forms', () => {
    assert.equal(platformUiUrl('https://api.airbyte.com/v1'), 'https://cloud.airbyte.com');
    assert.equal(platformUiUrl('http://airbyte.local:8000/api/public/v1'), 'http://airbyte.local:8000');
    assert.equal(retryAfterMs('2'), 2000);
    assert.equal(retryAfterMs(new Date(10_000).toUTCString(), 4_000), 6000);
    assert.equal(retryAfterMs('soon'), undefined);
  });
});

describe('strategies as per-stream sync modes', () => {
  const offered = FAKE_DEFINITIONS[0]!.streams as StreamProperties[];
  it('auto: dedup with a primary key, overwrite without key or cursor; append: incremental with a cursor', () => {
    assert.deepEqual(streamConfigurations(offered, 'auto'), [
      { name: 'users', syncMode: 'incremental_deduped_history' },
      { name: 'events', syncMode: 'full_refresh_overwrite' },
    ]);
    assert.deepEqual(streamConfigurations(offered, 'append'), [
      { name: 'users', syncMode: 'incremental_append' },
      { name: 'events', syncMode: 'full_refresh_append' },
    ]);
  });
  it('refuses what the platform cannot do, naming what it can', () => {
    assert.throws(() => streamConfigurations(offered, 'auto', ['orders']), /no stream "orders"[\s\S]*/);
    assert.throws(
      () => streamConfigurations([{ streamName: 'users', syncModes: ['full_refresh_append'] }], 'replace'),
      /cannot replace stream "users" .*: it offers full_refresh_append/,
    );
  });
});

describe('the client against the fake platform behind Prism', { timeout: 120_000 }, () => {
  let fake: FakePlatform;
  let prism: PrismProxy;
  let dir: string;
  const client = (overrides: Record<string, string> = {}, signal?: AbortSignal) =>
    new PlatformClient(
      platformSettings(
        { apiUrl: prism.url, clientId: fake.clientId, clientSecret: fake.clientSecret, workspaceId: fake.workspaceId, ...overrides },
        {},
      ),
      { backoffMs: 20, signal },
    );

  before(async () => {
    dir = await makeTempDir('platform-client-');
    fake = await startFakePlatform();
    prism = await startPrismProxy(fake.url);
  });
  after(async () => {
    await prism?.close();
    await fake?.close();
    await removeTempDir(dir);
  });

  it('Prism catches a response that breaks the description', async () => {
    const connectionId = crypto.randomUUID();
    fake.jobs.set(7, { jobId: 7, status: 'running', jobType: 'sync', startTime: new Date().toISOString(), connectionId });
    fake.breakNextJobList();
    const before = prism.violations().length;
    // Prism answers the broken list with an error instead of passing it on; the client retries it.
    const jobs = await listJobs(client(), { workspaceId: fake.workspaceId });
    assert.ok(
      jobs.every((j) => typeof j.status === 'string'),
      'what reached the client matches the description',
    );
    const found = prism.violations().slice(before);
    assert.ok(
      found.some((v) => /VIOLATIONS: Request\/Response not valid/.test(v)),
      `Prism reported the broken response:\n${found.join('\n')}`,
    );
  });

  it('an API message echoing a secret is masked in the error', async () => {
    const secret = 'echoed-secret-71c2';
    const source = parseConfigFileText(
      `{"connector":"source-faker","config":{"api_key":"\${env:K}"}}`,
      path.join(dir, 'faker.airbyte.jsonc'),
    );
    const destination = parseConfigFileText(`{"connector":"destination-duckdb","config":{}}`, path.join(dir, 'duck.airbyte.jsonc'));
    const store = await WorkspaceStore.open({ path: path.join(dir, 'state.sqlite') });
    try {
      // The first calls of the deploy are refused with the secret in the platform's message.
      fake.failNext(2, 400, undefined, `configuration.api_key "${secret}" was refused by the upstream API`);
      await assert.rejects(
        deployPair(client(), store, { source, destination, workspaceId: fake.workspaceId, env: { K: secret } }),
        (e: unknown) => isAirbyteError(e, 'PLATFORM_REJECTED') && !e.message.includes(secret) && e.message.includes('"****" was refused'),
      );
    } finally {
      await store.close();
    }
  });

  it('a bearer token given directly is used as is; when refused, the error says so without refreshing', async () => {
    const tokenClient = client();
    await listJobs(tokenClient, { workspaceId: fake.workspaceId });
    const issued = fake.log.filter((l) => l.startsWith('POST /applications/token')).length;
    await assert.rejects(
      listJobs(new PlatformClient(platformSettings({ apiUrl: prism.url, bearerToken: 'not-a-token-we-issued' }, {})), {}),
      (e: unknown) => isAirbyteError(e, 'PLATFORM_AUTH') && !e.message.includes('not-a-token-we-issued'),
    );
    assert.equal(fake.log.filter((l) => l.startsWith('POST /applications/token')).length, issued, 'no token was asked for');
  });

  it('cancellation ends a wait for Retry-After at once', async () => {
    const controller = new AbortController();
    fake.failNext(1, 429, 30);
    const started = Date.now();
    setTimeout(() => controller.abort(), 300);
    await assert.rejects(listJobs(client({}, controller.signal), { workspaceId: fake.workspaceId }), (e: unknown) =>
      isAirbyteError(e, 'ABORTED'),
    );
    assert.ok(Date.now() - started < 5000);
  });
});
