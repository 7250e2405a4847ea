// "Pull Connector Image": pulls a connector's pinned image with progress (cancellable).
import * as vscode from 'vscode';
import { pullImage } from '../../core/docker/pullImage';
import { abortSignalFrom } from '../cancellation';
import type { ExtensionHost } from '../host';
import { connectorRefFromArg } from './showSpec';

export async function pullImageCommand(host: ExtensionHost, arg?: unknown): Promise<string | undefined> {
  const services = await host.services();
  let image =
    typeof arg === 'object' && arg !== null && typeof (arg as { image?: unknown }).image === 'string'
      ? (arg as { image: string }).image
      : undefined;
  if (!image) {
    const ref = await connectorRefFromArg(host, arg);
    if (!ref) return undefined;
    image = await services.imageOf(ref);
  }
  const ref = image;
  const docker = await services.docker();
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Pulling ${ref}`, cancellable: true },
    async (progress, token) => {
      const { signal, dispose } = abortSignalFrom(token);
      let reported = 0;
      try {
        await pullImage(docker, ref, {
          signal,
          onProgress: (p) => {
            const fraction = p.fraction ?? reported / 100;
            const increment = Math.max(0, Math.round(fraction * 100) - reported);
            reported += increment;
            progress.report({ message: [p.status, p.detail].filter(Boolean).join(' '), increment });
          },
        });
      } finally {
        dispose();
      }
    },
  );
  host.channels.log.info(`Pulled ${ref}`);
  void vscode.window.showInformationMessage(`Pulled ${ref}.`);
  await services.localImages(true);
  host.connectorsTree.refresher.refresh();
  return ref;
}
