// Python connectors run from their own venvs, as PyAirbyte installs them: the project's own
// pure-Python source and destination (test/connectors/python), built into wheels here and
// installed with pip from a local folder (this machine reaches no package index). Real python3,
// real venvs, real pip, real connector processes; python3 missing fails the tier, saying why.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../../src/cli/main';
import { getSource } from '../../../src/core/connectors/getConnector';
import { isAirbyteError } from '../../../src/core/errors';
import type { RegistryEntry } from '../../../src/core/registry/registryTypes';
import { findPython } from '../../../src/core/python/pythonInterpreter';
import { ensureVenv, installedDistribution, listInstalledVenvs, VENV_MARKER, venvFolder } from '../../../src/core/python/venvInstall';
import type { InstallProgress } from '../../../src/core/executors/executor';
import { buildTestWheel, copyTestProject, offlinePipEnv, requirePython3 } from '../../harness/pythonConnectors';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { repoRoot } from '../../harness/paths';

const ensureVenvScript = path.join(repoRoot, 'test', 'harness', 'ensureVenvProcess.ts');
import { captureIo } from '../cliTestSupport';
import { parseConfigFileText } from '../../../src/core/config/configFile';
import { validateConfigText } from '../../../src/core/language/configValidation';

const SECRET = 'pysample-secret-4f1c';

describe('Python connectors in venvs (pip, offline wheels)', () => {
  let dir: string;
  let wheels: string;
  let installRoot: string;
  let destinationWheel: string;
  const saved = { ...process.env };

  const writeConfig = async (name: string, doc: Record<string, unknown>) => {
    const file = path.join(dir, name);
    await fs.writeFile(file, JSON.stringify({ installRoot: 'venvs', ...doc }, null, 2));
    return file;
  };
  const cli = async (args: string[]) => {
    const io = captureIo();
    const code = await main(args, io);
    return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
  };
  const venvsOf = async (connector: string) => (await fs.readdir(path.join(installRoot, connector)).catch(() => [] as string[])).sort();

  before(async () => {
    requirePython3();
    dir = await makeTempDir('aw-venv-');
    wheels = path.join(dir, 'wheels');
    installRoot = path.join(dir, 'venvs');
    await fs.mkdir(wheels);
    buildTestWheel(wheels, '0.1.0');
    buildTestWheel(wheels, '0.2.0');
    // Broken: it needs a distribution that no index or folder has.
    buildTestWheel(wheels, '0.1.0', { name: 'airbyte-source-broken', requires: ['airbyte-nonexistent-dependency>=1'] });
    // The destination installs from a wheel file named by pipUrl (a separate folder: not found by name).
    await fs.mkdir(path.join(dir, 'dist'));
    destinationWheel = buildTestWheel(path.join(dir, 'dist'), '0.1.0', { name: 'airbyte-destination-pyjsonl' });
    // pip's own variables: no index, wheels from the folder. XDG_CACHE_HOME: nothing of the user's cache is touched.
    Object.assign(process.env, offlinePipEnv(wheels), { XDG_CACHE_HOME: path.join(dir, 'cache') });
  });
  after(async () => {
    process.env = saved;
    await removeTempDir(dir);
  });

  it('spec and check run the venv console script; the check fails with the connector message for a refused key', async () => {
    const src = await writeConfig('src.airbyte.jsonc', {
      connector: 'source-pysample',
      pipUrl: 'airbyte-source-pysample',
      version: '0.1.0',
      config: { count: 25, api_key: SECRET, state_every: 10 },
    });
    const notYet = await cli(['check', src]);
    assert.equal(notYet.code, 1);
    assert.match(notYet.err, /source-pysample 0\.1\.0 is not installed in a venv[\s\S]*--install/);
    assert.deepEqual(await venvsOf('source-pysample'), [], 'nothing is installed without --install');

    const check = await cli(['check', src, '--install', '--json']);
    assert.equal(check.code, 0, check.err);
    assert.equal(JSON.parse(check.out).status, 'SUCCEEDED');
    const [venv] = await venvsOf('source-pysample');
    assert.match(venv, /^0\.1\.0-py3\.\d+-[0-9a-f]{8}$/, 'one venv per connector, version and interpreter');
    const folder = path.join(installRoot, 'source-pysample', venv);
    assert.deepEqual(await installedDistribution(folder, 'source-pysample'), { distribution: 'airbyte-source-pysample', version: '0.1.0' });

    const spec = await cli(['spec', src, '--json']);
    assert.equal(spec.code, 0, spec.err);
    assert.equal(JSON.parse(spec.out).connectionSpecification.title, 'Python Sample Source');

    const wrong = await writeConfig('wrong.airbyte.jsonc', {
      connector: 'source-pysample',
      pipUrl: 'airbyte-source-pysample',
      version: '0.1.0',
      config: { count: 1, api_key: 'wrong' },
    });
    const refused = await cli(['check', wrong]);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /the connection check failed: the API key was refused/);
    assert.deepEqual(await venvsOf('source-pysample'), [venv], 'the installed venv is reused');
  });

  it('writes through the cache and streamed into the Python destination installed from a wheel file; runs show "venv python3.x"', async () => {
    const src = path.join(dir, 'src.airbyte.jsonc');
    const dst = await writeConfig('dst.airbyte.jsonc', {
      connector: 'destination-pyjsonl',
      pipUrl: path.relative(dir, destinationWheel),
      localDir: 'out',
      config: { destination_path: '/local/items' },
    });
    const cached = await cli(['write', '--source', src, '--destination', dst, '--install']);
    assert.equal(cached.code, 0, cached.err);
    assert.match(cached.out, /\(through the cache\) succeeded[\s\S]*25 confirmed by destination-pyjsonl/);
    assert.match(cached.out, /Ran on: source venv python3\.\d+, destination venv python3\.\d+\./);
    const lines = (await fs.readFile(path.join(dir, 'out', 'items', 'items.jsonl'), 'utf8')).trim().split('\n');
    assert.deepEqual(
      lines.map((l) => JSON.parse(l).id),
      Array.from({ length: 25 }, (_, i) => i + 1),
      '/local/items is the localDir folder out/items on this machine',
    );
    assert.equal(JSON.parse(lines[0]).version, '0.1.0');

    // Streamed, everything again: the destination overwrites (full refresh), the source is read anew.
    const streamed = await cli(['write', '--source', src, '--destination', dst, '--no-cache', '--full-refresh', '--json']);
    assert.equal(streamed.code, 0, streamed.err);
    const result = JSON.parse(streamed.out);
    assert.equal(result.mode, 'stream');
    assert.equal(result.totals.recordsConfirmed, 25);
    assert.match(result.runsOn.source, /^venv python3\.\d+$/);
    const runs = JSON.parse((await cli(['runs', '--json', '--state-file', path.join(dir, '.airbyte', 'state.sqlite')])).out).runs;
    const writes = runs.filter((r: { kind: string }) => r.kind === 'write');
    assert.equal(writes.length, 2);
    for (const r of runs as Array<{ kind: string; sourceRunsOn?: string; destinationRunsOn?: string }>) {
      assert.match(r.sourceRunsOn ?? '', /^venv python3\.\d+$/, 'run history names the venv');
      if (r.kind === 'write') assert.match(r.destinationRunsOn ?? '', /^venv python3\.\d+$/);
    }
    for (const text of [cached.out, cached.err, streamed.out, streamed.err, JSON.stringify(runs)]) assert.ok(!text.includes(SECRET));
  });

  it('a version change installs the new version into its own venv, and the connector runs it', async () => {
    const src2 = await writeConfig('src2.airbyte.jsonc', {
      connector: 'source-pysample',
      pipUrl: 'airbyte-source-pysample',
      version: '0.2.0',
      config: { count: 3, api_key: SECRET },
    });
    const read = await cli(['read', src2, '--install', '--records', '--full-refresh']);
    assert.equal(read.code, 0, read.err);
    assert.deepEqual(
      read.out.split('\n').map((l) => JSON.parse(l).data.version),
      ['0.2.0', '0.2.0', '0.2.0'],
    );
    const venvs = await venvsOf('source-pysample');
    assert.equal(venvs.length, 2);
    const versions = await Promise.all(
      venvs.map((v) => installedDistribution(path.join(installRoot, 'source-pysample', v), 'source-pysample')),
    );
    assert.deepEqual(versions.map((v) => v?.version).sort(), ['0.1.0', '0.2.0']);
  });

  it("a broken package fails with pip's own error lines and leaves no venv", async () => {
    const broken = await writeConfig('broken.airbyte.jsonc', {
      connector: 'source-pysample',
      pipUrl: 'airbyte-source-broken',
      version: '0.1.0',
      installRoot: 'venvs-broken',
      config: { count: 1 },
    });
    const r = await cli(['check', broken, '--install']);
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      /Installing source-pysample \(airbyte-source-broken==0\.1\.0\) failed while installing \(pip\): ERROR: Could not find a version/,
    );
    assert.match(r.err, /airbyte-nonexistent-dependency/);
    assert.match(r.err, /PIP_FIND_LINKS/, 'the guidance says how pip finds packages offline');
    const left = await fs.readdir(path.join(dir, 'venvs-broken', 'source-pysample'));
    assert.deepEqual(left, [], 'neither the half-made venv nor the lock remains');
  });

  it('pipUrl as a local project folder: pip builds it offline with its in-tree backend', async () => {
    await copyTestProject(path.join(dir, 'project'));
    const local = await writeConfig('local.airbyte.jsonc', {
      connector: 'source-pysample',
      pipUrl: './project',
      installRoot: 'venvs-local',
      config: { count: 2 },
    });
    const r = await cli(['read', local, '--install', '--records']);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(
      r.out.split('\n').map((l) => JSON.parse(l).data.id),
      [1, 2],
    );
    const [marker] = await listInstalledVenvs(path.join(dir, 'venvs-local'));
    assert.equal(marker.requirement, path.join(dir, 'project'), 'the relative path is the config file folder');
    assert.equal(marker.version, '0.1.0');
    assert.ok(existsSync(path.join(marker.folder, VENV_MARKER)));
  });

  it('concurrent installs of one venv are serialised: pip runs once, the other waits and uses it', async () => {
    const root = path.join(dir, 'venvs-concurrent');
    const spec = {
      connector: 'source-pysample',
      requirement: 'airbyte-source-pysample==0.2.0',
      version: '0.2.0',
      python: true as const,
      installRoot: root,
    };
    const events: string[][] = [[], []];
    const [a, b] = await Promise.all(
      [0, 1].map((i) => ensureVenv(spec, { installIfMissing: true, onProgress: (p: InstallProgress) => events[i].push(p.status) })),
    );
    assert.equal(a.folder, b.folder);
    const creations = events.flat().filter((s) => s.startsWith('Creating the venv')).length;
    assert.equal(creations, 1, 'one venv was made');
    assert.ok(
      events.some((e) => e.some((s) => s.startsWith('Waiting for another install'))),
      'the other install waited for the lock',
    );
    assert.deepEqual(await fs.readdir(path.join(root, 'source-pysample')), [path.basename(a.folder)], 'no lock file remains');
  });

  it('without image, localExecutable or python: a venv when Docker is unreachable and the registry lists a PyPI package, said once', async () => {
    const entry = (pypi: { enabled: boolean } | undefined): RegistryEntry => ({
      type: 'source',
      name: 'source-pysample',
      displayName: 'Python Sample',
      dockerRepository: 'airbyte/source-pysample',
      dockerImageTag: '0.1.0',
      raw: pypi ? { remoteRegistries: { pypi: { ...pypi, packageName: 'airbyte-source-pysample' } } } : {},
    });
    const registryOf = (e: RegistryEntry) => ({ find: (name: string) => (name === e.name ? e : undefined) });
    // A real engine address where no engine listens.
    process.env.DOCKER_HOST = `unix://${path.join(dir, 'no-docker.sock')}`;
    const notices: string[] = [];
    const options = { installRoot, installIfMissing: true, config: { count: 1 }, onNotice: (m: string) => notices.push(m) };
    const published = registryOf(entry({ enabled: true }));
    const source = await getSource('source-pysample', { ...options, registry: published });
    assert.equal((await source.check()).status, 'SUCCEEDED');
    assert.equal(source.executor.kind, 'venv');
    assert.match(source.runsOn(), /^venv python3\.\d+$/);
    await (await getSource('source-pysample', { ...options, registry: published })).check();
    assert.equal(notices.length, 1, 'said once');
    assert.match(
      notices[0],
      /Docker is not reachable \(unix:\/\/.*no-docker\.sock\): running source-pysample from its PyPI package airbyte-source-pysample==0\.1\.0/,
    );

    // Docker-only in the registry (PyPI not enabled), or "python": false: Docker, which is unreachable.
    for (const [registry, python] of [
      [registryOf(entry({ enabled: false })), undefined],
      [registryOf(entry(undefined)), undefined],
      [published, false],
    ] as const) {
      const docker = await getSource('source-pysample', { ...options, registry, python });
      await assert.rejects(docker.check(), (e: unknown) => isAirbyteError(e, 'DOCKER_UNREACHABLE'));
      assert.equal(docker.executor.kind, 'docker');
    }
    await assert.rejects(
      getSource('source-pysample', { ...options, registry: published, python: true, image: 'me/x:1' }),
      (e: unknown) => isAirbyteError(e, 'CONFIG_INVALID') && /both "image" and "python"/.test(e.message),
    );
    delete process.env.DOCKER_HOST;
  });

  it('/local paths in the config map into localDir; one leaving it, or /local without localDir, is refused before the connector runs', async () => {
    const base = { installRoot, pipUrl: 'airbyte-source-pysample', version: '0.1.0', registry: { find: () => undefined } };
    const escape = await getSource('source-pysample', {
      ...base,
      localDir: path.join(dir, 'l'),
      config: { count: 1, note: '/local/../x' },
    });
    await assert.rejects(
      escape.check(),
      (e: unknown) => isAirbyteError(e, 'CONFIG_INVALID') && /field \/note leaves \/local/.test(e.message),
    );
    const none = await getSource('source-pysample', { ...base, config: { count: 1, note: '/local/x' } });
    await assert.rejects(none.check(), (e: unknown) => isAirbyteError(e, 'CONFIG_INVALID') && /no "localDir" is set/.test(e.message));
    assert.equal(existsSync('/local/x'), false);
  });

  it('across processes too: a stale lock of a dead process is taken over, a half-made venv replaced, pip run once', async () => {
    const root = path.join(dir, 'venvs-processes');
    const spec = {
      connector: 'source-pysample',
      requirement: 'airbyte-source-pysample==0.1.0',
      version: '0.1.0',
      python: true as const,
      installRoot: root,
    };
    // What a killed install leaves: its lock (naming a pid that no longer exists) and a venv without its marker.
    const interpreter = await findPython(true);
    const folder = venvFolder(spec, interpreter);
    await fs.mkdir(path.join(folder, 'bin'), { recursive: true });
    await fs.writeFile(path.join(folder, 'half-made'), '');
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid!;
    await fs.writeFile(`${folder}.lock`, JSON.stringify({ pid: dead, hostname: os.hostname(), startedAt: new Date().toISOString() }));

    const outcomes = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<{ folder?: string; statuses: string[]; error?: string }>((resolve, reject) => {
            const child = spawn(process.execPath, ['--import', 'tsx', ensureVenvScript, JSON.stringify(spec)], { cwd: repoRoot });
            let out = '';
            child.stdout.on('data', (c: Buffer) => (out += c.toString()));
            child.on('error', reject);
            child.on('close', () => resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}')));
          }),
      ),
    );
    assert.deepEqual(
      outcomes.map((o) => o.error ?? o.folder),
      [folder, folder, folder],
    );
    assert.equal(outcomes.flatMap((o) => o.statuses).filter((s) => s.startsWith('Creating the venv')).length, 1, 'one process installed');
    assert.equal(existsSync(path.join(folder, 'half-made')), false, 'the half-made venv was replaced');
    assert.equal(existsSync(`${folder}.lock`), false);
  });

  it('credentials in a pipUrl never appear in messages or progress', async () => {
    const progress: string[] = [];
    const spec = {
      connector: 'source-pysample',
      requirement: 'https://user:tok-9d2e@127.0.0.1:9/airbyte_source_pysample-0.1.0-py3-none-any.whl',
      python: true as const,
      installRoot: path.join(dir, 'venvs-credentials'),
    };
    const failure = await ensureVenv(spec, {
      installIfMissing: true,
      env: { ...process.env, PIP_RETRIES: '0', PIP_TIMEOUT: '5' },
      onProgress: (p) => progress.push(`${p.status} ${p.detail ?? ''}`),
    }).then(
      () => assert.fail('nothing listens on port 9'),
      (e: unknown) => e,
    );
    assert.ok(isAirbyteError(failure, 'INSTALL_FAILED'), String(failure));
    const all = [failure.message, failure.guidance ?? '', ...failure.logTail, ...progress].join('\n');
    assert.match(all, /https:\/\/\*\*\*\*@127\.0\.0\.1:9/);
    assert.ok(!all.includes('tok-9d2e'), all);
    assert.deepEqual(await fs.readdir(path.join(dir, 'venvs-credentials', 'source-pysample')), []);
  });

  it('an install that is cancelled leaves no venv', async () => {
    const root = path.join(dir, 'venvs-cancel');
    const controller = new AbortController();
    const spec = {
      connector: 'source-pysample',
      requirement: 'airbyte-source-pysample==0.1.0',
      version: '0.1.0',
      python: true as const,
      installRoot: root,
    };
    const folder = venvFolder(spec, await findPython(true));
    let madeBeforeCancel = false;
    // Cancelled once the venv exists and pip is starting: what is left is a half-made venv.
    const run = ensureVenv(spec, {
      installIfMissing: true,
      signal: controller.signal,
      onProgress: (p) => {
        if (!p.status.startsWith('Installing')) return;
        madeBeforeCancel = existsSync(path.join(folder, 'pyvenv.cfg'));
        controller.abort();
      },
    });
    await assert.rejects(run, (e: unknown) => isAirbyteError(e, 'ABORTED') && /nothing was left installed/.test(e.message));
    assert.ok(madeBeforeCancel, 'the venv existed when the install was cancelled');
    assert.deepEqual(await fs.readdir(path.join(root, 'source-pysample')), []);
  });
});

describe('config files: python, pipUrl, installRoot', () => {
  it('are read (paths relative to the file) and checked; the editor diagnostics agree', () => {
    const file = parseConfigFileText(
      '{ "connector": "source-faker", "python": "3.11", "pipUrl": "./conn", "installRoot": "v", "config": {} }',
      '/w/a.airbyte.jsonc',
    );
    assert.deepEqual([file.python, file.pipUrl, file.installRoot], ['3.11', '/w/conn', '/w/v']);
    assert.equal(
      parseConfigFileText('{ "connector": "source-faker", "python": "bin/py", "config": {} }', '/w/a.airbyte.jsonc').python,
      '/w/bin/py',
    );
    assert.equal(
      parseConfigFileText('{ "connector": "source-faker", "pipUrl": "airbyte-source-faker==7.2.1", "config": {} }', '/w/a.airbyte.jsonc')
        .pipUrl,
      'airbyte-source-faker==7.2.1',
    );
    assert.throws(
      () => parseConfigFileText('{ "connector": "source-faker", "python": 3, "config": {} }', '/w/a.airbyte.jsonc'),
      (e: unknown) => isAirbyteError(e, 'CONFIG_FILE') && /"python" must be true, false, a version/.test(e.message),
    );
    assert.deepEqual(validateConfigText('{ "connector": "source-faker", "python": true, "pipUrl": "x", "config": {} }'), []);
    // A connector a pipUrl installs need not be in the registry (as with an image); without one it is warned about.
    const registry = { find: () => undefined, list: () => [] };
    assert.deepEqual(validateConfigText('{ "connector": "source-mine", "pipUrl": "./mine", "config": {} }', { registry }), []);
    assert.deepEqual(
      validateConfigText('{ "connector": "source-mine", "config": {} }', { registry }).map((d) => d.code),
      ['connector-unknown'],
    );
    assert.deepEqual(
      validateConfigText('{ "connector": "source-faker", "image": "a/b:1", "python": true, "config": {} }').map((d) => d.message),
      ['“python” and “image” cannot go together: a connector runs either from an image or from a Python venv'],
    );
    assert.deepEqual(validateConfigText('{ "connector": "source-faker", "image": "a/b:1", "python": false, "config": {} }'), []);
    const bad = validateConfigText('{ "connector": "source-faker", "python": 3, "config": {} }');
    assert.deepEqual(
      bad.map((d) => [d.code, d.message]),
      [['envelope-type', '“python” must be true, false, or text in double quotes']],
    );
  });
});

describe('the python choice', () => {
  it('true, a version, a program name or a path each find a probed interpreter; one that does not exist says what was tried', async () => {
    requirePython3();
    const first = await findPython(true);
    assert.match(first.version, /^3\.\d+\.\d+$/);
    assert.ok(path.isAbsolute(first.executable));
    assert.equal((await findPython(first.minor)).minor, first.minor, `"${first.minor}" finds python${first.minor}`);
    assert.equal((await findPython(first.executable)).executable, first.executable);
    assert.equal((await findPython('python3')).version, first.version);
    await assert.rejects(
      findPython('3.1'),
      (e: unknown) => isAirbyteError(e, 'PYTHON_UNAVAILABLE') && /tried python3\.1/.test(e.message) && /uv/.test(e.guidance ?? ''),
    );
    await assert.rejects(
      findPython('/nonexistent/bin/python'),
      (e: unknown) => isAirbyteError(e, 'PYTHON_UNAVAILABLE') && /\/nonexistent\/bin\/python/.test(e.message),
    );
  });
});
