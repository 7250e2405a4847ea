// A process that installs one venv (argv[2]: the VenvSpec as JSON) and prints, as one JSON line,
// the progress it saw and the folder: tests start several at once to see installs serialised
// across processes.
import { ensureVenv } from '../../src/core/python/venvInstall';
import type { VenvSpec } from '../../src/core/python/venvInstall';

const spec = JSON.parse(process.argv[2]) as VenvSpec;
const statuses: string[] = [];
ensureVenv(spec, { installIfMissing: true, onProgress: (p) => statuses.push(p.status) }).then(
  (venv) => console.log(JSON.stringify({ folder: venv.folder, version: venv.version, statuses })),
  (error: unknown) => {
    console.log(JSON.stringify({ error: error instanceof Error ? error.message : String(error), statuses }));
    process.exitCode = 1;
  },
);
