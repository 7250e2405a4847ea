/**
 * Docker, or a venv when Docker is unreachable: the executor of a connector whose config chose
 * neither, when the registry publishes it on PyPI. Decided on first use (as Docker connects
 * lazily), once per executor; until then it shows as the Docker image.
 */
import { isAirbyteError } from '../errors';
import type { DockerExecutor } from './dockerExecutor';
import type { ExecuteRequest, Executor, InstallProgress, RunningConnector } from './executor';
import type { VenvExecutor } from './venvExecutor';

export class DockerOrVenvExecutor implements Executor {
  private chosen?: Executor;
  private choosing?: Promise<Executor>;

  /** `onVenv` is told when the venv was chosen (to say so to the user). */
  constructor(
    private readonly docker: DockerExecutor,
    private readonly venv: VenvExecutor,
    private readonly onVenv: () => void,
  ) {}

  get kind(): Executor['kind'] {
    return (this.chosen ?? this.docker).kind;
  }

  get displayName(): string {
    return (this.chosen ?? this.docker).displayName;
  }

  runsOn(): string {
    return (this.chosen ?? this.docker).runsOn();
  }

  /** The executor in use: Docker when its engine answers, the venv when it is unreachable. */
  async choose(): Promise<Executor> {
    if (this.chosen) return this.chosen;
    this.choosing ??= this.docker.docker().then(
      () => this.docker,
      (error: unknown) => {
        if (!isAirbyteError(error, 'DOCKER_UNREACHABLE')) throw error;
        this.onVenv();
        return this.venv;
      },
    );
    try {
      this.chosen = await this.choosing;
      return this.chosen;
    } finally {
      // A failure other than an unreachable engine is asked again next time.
      this.choosing = undefined;
    }
  }

  async ensureReady(options?: {
    installIfMissing?: boolean;
    onProgress?: (p: InstallProgress) => void;
    signal?: AbortSignal;
  }): Promise<void> {
    return (await this.choose()).ensureReady(options);
  }

  async execute(request: ExecuteRequest): Promise<RunningConnector> {
    return (await this.choose()).execute(request);
  }
}
