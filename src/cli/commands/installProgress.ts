import type { InstallProgress } from '../../core/executors/executor';
import type { CliIo } from '../cliIo';

/** Shows image pull or venv install progress on the terminal's status line. */
export function installProgressPrinter(io: CliIo): (p: InstallProgress) => void {
  return (p) => {
    if (p.phase === 'venv') return io.status(`${p.status}${p.detail ? `: ${p.detail}` : ''}`);
    const pct = p.fraction === undefined ? '' : ` ${Math.round(p.fraction * 100)}%`;
    io.status(`Pulling image: ${p.status}${pct}${p.detail ? ` ${p.detail}` : ''}`);
  };
}
