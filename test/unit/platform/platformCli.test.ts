// `airbyte-write platform deploy|sync|jobs`, the real CLI bundle as a subprocess, against the FAKE
// platform (test/harness/fakePlatform.ts) behind Prism in validating proxy mode: every request the
// client sends and every response it reads is checked against the official API description
// (test/fixtures/airbyte-api/api.yaml), and the run fails on any violation besides the status codes the
// description does not list (401, 429, 500: the real platform answers them too, the fake only when told).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkspaceStore } from '../../../src/core/store/workspaceStore';
import type { CliOutcome } from '../../fault/badInput/cliProcess';
import { jsonOf, runCli, startCli } from '../../fault/badInput/cliProcess';
import type { FakePlatform } from '../../harness/fakePlatform';
import { startFakePlatform } from '../../harness/fakePlatform';
import { repoRoot } from '../../harness/paths';
import type { PrismProxy } from '../../harness/prismProxy';
import { startPrismProxy } from '../../harness/prismProxy';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { waitUntil } from '../../harness/waitUntil';

const DESTINATION_SECRET = 'md-token-5c1e7b0a-never-printed';
const SOURCE_SECRET = 'faker-key-9d3f-never-printed';

let fake: FakePlatform;
let prism: PrismProxy;
let root: string;
/** Every CLI run's output, for the secrets check at the end. */
const outputs: CliOutcome[] = [];

interface Workspace {
  dir: string;
  env: NodeJS.ProcessEnv;
  source: string;
  destination: string;
  store: string;
}

/** A workspace folder with a source and a destination config, and the env pointing the CLI at Prism. */
function workspace(name: string, sourceConfig: Record<string, unknown> = { count: 100 }): Workspace {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, '.airbyte'), { recursive: true });
  const source = path.join(dir, 'faker.airbyte.jsonc');
  const destination = path.join(dir, 'duck.airbyte.jsonc');
  writeFileSync(source, JSON.stringify({ connector: 'source-faker', config: { ...sourceConfig, api_key: '${env:FAKER_KEY}' } }));
  writeFileSync(
    destination,
    JSON.stringify({
      connector: 'destination-duckdb',
      config: { destination_path: 'md:warehouse', motherduck_api_key: 'secret_reference::MD_TOKEN' },
    }),
  );
  const env: NodeJS.ProcessEnv = {
    AIRBYTE_CLOUD_API_URL: prism.url,
    AIRBYTE_CLOUD_CLIENT_ID: fake.clientId,
    AIRBYTE_CLOUD_CLIENT_SECRET: fake.clientSecret,
    // A workspace per case: cases do not see each other's resources.
    AIRBYTE_CLOUD_WORKSPACE_ID: crypto.randomUUID(),
    AIRBYTE_LOCAL_REGISTRY: path.join(repoRoot, 'test/fixtures/registry/oss_registry.sample.json'),
    XDG_CACHE_HOME: path.join(root, 'cache'),
    FAKER_KEY: SOURCE_SECRET,
    MD_TOKEN: DESTINATION_SECRET,
  };
  return { dir, env, source, destination, store: path.join(dir, '.airbyte', 'state.sqlite') };
}

async function cli(ws: Workspace, args: string[]): Promise<CliOutcome> {
  const out = await runCli(['platform', ...args], { cwd: ws.dir, env: ws.env, timeoutMs: 60_000 });
  outputs.push(out);
  return out;
}

function deployArgs(ws: Workspace): string[] {
  return ['deploy', '--source', ws.source, '--destination', ws.destination];
}

function inWorkspace<T extends Record<string, unknown>>(map: Map<string, T>, ws: Workspace): T[] {
  return [...map.values()].filter((v) => v.workspaceId === ws.env.AIRBYTE_CLOUD_WORKSPACE_ID);
}

describe('airbyte-write platform against the fake platform behind Prism', { timeout: 240_000 }, () => {
  before(async () => {
    root = await makeTempDir('platform-cli-');
    fake = await startFakePlatform();
    prism = await startPrismProxy(fake.url);
  });
  after(async () => {
    await prism?.close();
    await fake?.close();
    await removeTempDir(root);
  });

  it('first deploy creates source, destination and connection with the secrets resolved and per-stream sync modes', async () => {
    const ws = workspace('first');
    const out = await cli(ws, [...deployArgs(ws), '--json']);
    assert.equal(out.code, 0, out.stderr);
    const result = jsonOf(out) as { source: { action: string; id: string }; connection: { action: string; streams: unknown[] } };
    assert.equal(result.source.action, 'created');
    assert.equal(result.connection.action, 'created');
    const [source] = inWorkspace(fake.sources, ws);
    const [destination] = inWorkspace(fake.destinations, ws);
    assert.equal(inWorkspace(fake.sources, ws).length, 1);
    // The platform got the values, not the references; found by the registry's definition ids.
    assert.deepEqual(source!.configuration, { count: 100, api_key: SOURCE_SECRET });
    assert.equal(source!.definitionId, 'dfd88b22-b603-4c3d-aad7-3701784586b1');
    assert.equal((destination!.configuration as Record<string, unknown>).motherduck_api_key, DESTINATION_SECRET);
    const [connection] = inWorkspace(fake.connections, ws);
    assert.deepEqual((connection!.configurations as { streams: unknown[] }).streams, [
      { name: 'users', syncMode: 'incremental_deduped_history' },
      { name: 'events', syncMode: 'full_refresh_overwrite' },
    ]);
    assert.equal(connection!.name, 'faker → duck');
  });

  it('a second deploy of the same pair creates nothing; a changed config is updated in place', async () => {
    const ws = workspace('redeploy');
    assert.equal((await cli(ws, deployArgs(ws))).code, 0);
    const again = await cli(ws, deployArgs(ws));
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /source {7}faker: unchanged/);
    assert.equal(inWorkspace(fake.sources, ws).length, 1);
    assert.equal(inWorkspace(fake.destinations, ws).length, 1);
    assert.equal(inWorkspace(fake.connections, ws).length, 1);
    const sourceId = inWorkspace(fake.sources, ws)[0]!.sourceId;

    workspace('redeploy', { count: 250 });
    const changed = await cli(ws, [...deployArgs(ws), '--strategy', 'replace', '--schedule', '0 0 * * * ?']);
    assert.equal(changed.code, 0, changed.stderr);
    assert.match(changed.stdout, /source {7}faker: updated/);
    assert.equal(inWorkspace(fake.sources, ws).length, 1);
    const [source] = inWorkspace(fake.sources, ws);
    assert.equal(source!.sourceId, sourceId, 'the same source, updated in place');
    assert.equal((source!.configuration as Record<string, unknown>).count, 250);
    const [connection] = inWorkspace(fake.connections, ws);
    assert.deepEqual(connection!.schedule, { scheduleType: 'cron', cronExpression: '0 0 * * * ?' });
    assert.deepEqual(
      (connection!.configurations as { streams: Array<{ syncMode: string }> }).streams.map((s) => s.syncMode),
      ['full_refresh_overwrite', 'full_refresh_overwrite'],
    );

    // Without the store's record (a new clone of the repo), the platform's names find them: still nothing new.
    rmSync(path.join(ws.dir, '.airbyte'), { recursive: true });
    mkdirSync(path.join(ws.dir, '.airbyte'));
    assert.equal((await cli(ws, deployArgs(ws))).code, 0);
    assert.equal(inWorkspace(fake.sources, ws).length, 1);
    assert.equal(inWorkspace(fake.connections, ws).length, 1);
  });

  it('a strategy the platform cannot do is refused with what it can do', async () => {
    const ws = workspace('merge');
    const out = await cli(ws, [...deployArgs(ws), '--strategy', 'merge', '--streams', 'events']);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /Stream "events" has no primary key, so it cannot be merged/);
    assert.equal(inWorkspace(fake.connections, ws).length, 0);
  });

  it('sync --wait follows the job to its end, refreshing the token when it expires mid-run', async () => {
    const ws = workspace('sync');
    assert.equal((await cli(ws, deployArgs(ws))).code, 0);
    fake.jobScripts.push({ outcome: 'succeeded', steps: 6, rows: 1200 });
    const before = fake.jobs.size;
    const child = await startCli(['platform', 'sync', 'faker → duck', '--wait', '--poll-interval', '0.2'], { cwd: ws.dir, env: ws.env });
    await waitUntil(() => fake.jobs.size > before, 'the job to start');
    fake.expireTokens();
    const out = await child.outcome;
    outputs.push(out);
    assert.equal(out.code, 0, out.stderr);
    const jobId = Math.max(...fake.jobs.keys());
    assert.equal(fake.jobs.get(jobId)!.status, 'succeeded');
    assert.match(out.stdout, new RegExp(`Job ${jobId} of "faker → duck" succeeded in .*: 1,200 rows synced`));
    const refreshed = fake.log.findIndex((l) => l.startsWith(`GET /jobs/${jobId} 401`));
    assert.ok(refreshed >= 0, 'the token expired mid-run');
    assert.ok(
      fake.log.slice(refreshed).some((l) => l.startsWith('POST /applications/token 200')),
      'and a new one was fetched',
    );

    const listed = await cli(ws, ['jobs', '--source', ws.source, '--destination', ws.destination, '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const jobs = (jsonOf(listed) as { jobs: Array<{ jobId: number; status: string; rowsSynced: number }> }).jobs;
    assert.deepEqual(
      jobs.map((j) => [j.jobId, j.status, j.rowsSynced]),
      [[jobId, 'succeeded', 1200]],
    );
  });

  it('429 and 500 answers are retried (Retry-After respected)', async () => {
    const ws = workspace('retry');
    assert.equal((await cli(ws, deployArgs(ws))).code, 0);
    const from = fake.log.length;
    fake.failNext(1, 429, 1);
    fake.failNext(1, 500);
    const started = Date.now();
    const out = await cli(ws, ['jobs', 'faker → duck']);
    assert.equal(out.code, 0, out.stderr);
    assert.ok(Date.now() - started >= 1000, 'waited for Retry-After: 1');
    assert.match(out.stderr, /answered 429; retrying in/);
    assert.match(out.stderr, /answered 500; retrying in/);
    assert.deepEqual(
      fake.log.slice(from).map((l) => l.split(' ').pop()),
      ['200', '429', '500', '200'],
      'token, then the failing answers, then the answer',
    );
  });

  it("a job that fails exits 1 with its status, what it moved and the platform's reason", async () => {
    const ws = workspace('fails');
    assert.equal((await cli(ws, deployArgs(ws))).code, 0);
    fake.jobScripts.push({ outcome: 'failed', steps: 2, rows: 400, reason: 'Source faker failed the connection check: 401 from the API' });
    const out = await cli(ws, ['sync', 'faker → duck', '--wait', '--poll-interval', '0.2']);
    assert.equal(out.code, 1);
    assert.match(
      out.stderr,
      /error: Job \d+ of connection faker → duck ended failed \(200 rows, 20000 bytes synced\): Source faker failed the connection check: 401 from the API\./,
    );
    assert.match(out.stderr, /Its logs are in the Airbyte UI .*\/connections\/[0-9a-f-]+\/timeline#\d+/);
  });

  it('Ctrl-C while waiting cancels the job on the platform', async () => {
    const ws = workspace('cancel');
    assert.equal((await cli(ws, deployArgs(ws))).code, 0);
    fake.jobScripts.push({ outcome: 'succeeded', steps: 10_000 });
    const before = fake.jobs.size;
    const child = await startCli(['platform', 'sync', 'faker → duck', '--wait', '--poll-interval', '0.2'], { cwd: ws.dir, env: ws.env });
    await waitUntil(() => fake.jobs.size > before && [...fake.jobs.values()].at(-1)!.status === 'running', 'the job to run');
    child.kill('SIGINT');
    const out = await child.outcome;
    outputs.push(out);
    const job = [...fake.jobs.values()].at(-1)!;
    assert.equal(job.status, 'cancelled');
    assert.ok(fake.log.includes(`DELETE /jobs/${job.jobId} 200`));
    assert.equal(out.code, 1);
    assert.match(out.stderr, new RegExp(`Job ${job.jobId} was cancelled on the platform \\(it is now cancelled\\)`));
  });

  it("no secret is in any output, the store, the fake's log or Prism's; Prism saw no violation", async () => {
    assert.ok(outputs.length >= 10);
    const secrets = [SOURCE_SECRET, DESTINATION_SECRET, fake.clientSecret];
    const texts: Array<[string, string]> = outputs.flatMap((o, i): Array<[string, string]> => [
      [`run ${i} stdout`, o.stdout],
      [`run ${i} stderr`, o.stderr],
    ]);
    for (const name of ['first', 'redeploy', 'sync', 'retry', 'fails', 'cancel'])
      texts.push([`${name} store`, readFileSync(path.join(root, name, '.airbyte', 'state.sqlite')).toString('latin1')]);
    texts.push(['fake log', fake.log.join('\n')], ['prism output', prism.output()]);
    for (const [where, text] of texts) for (const s of secrets) assert.ok(!text.includes(s), `a secret is in ${where}`);
    // The store does hold what a redeploy needs: the ids.
    const store = await WorkspaceStore.open({ path: path.join(root, 'first', '.airbyte', 'state.sqlite'), lock: false });
    try {
      assert.deepEqual(
        store.platform.connections().map((c) => c.name),
        ['faker → duck'],
      );
    } finally {
      await store.close();
    }
    const violations = prism.violations();
    const undocumentedStatus = violations.filter((v) => /Unable to match the returned status code/.test(v));
    assert.deepEqual(
      violations.filter((v) => !undocumentedStatus.includes(v)),
      [],
      'requests and responses match the description',
    );
    const injected = fake.log.filter((l) => / (401|429|500)$/.test(l)).length;
    assert.equal(undocumentedStatus.length, injected, 'the only undocumented statuses are the ones the fake was told to answer');
  });
});
