// A quick pick over the registry and the built-in connectors.
import * as vscode from 'vscode';
import type { ExtensionHost } from '../host';

export interface PickedConnector {
  name: string;
  type: 'source' | 'destination';
  displayName: string;
}

export async function pickConnector(
  host: ExtensionHost,
  title: string,
  type?: 'source' | 'destination',
): Promise<PickedConnector | undefined> {
  const services = await host.services();
  const items: (vscode.QuickPickItem & { connector?: PickedConnector })[] = [];
  const builtins = services.builtins().filter((b) => !type || b.type === type);
  if (builtins.length) items.push({ label: 'Built-in (no Docker)', kind: vscode.QuickPickItemKind.Separator });
  for (const b of builtins)
    items.push({
      label: b.displayName,
      description: b.name,
      detail: b.description,
      connector: { name: b.name, type: b.type, displayName: b.displayName },
    });
  try {
    const registry = await services.registry();
    for (const t of type ? [type] : (['destination', 'source'] as const)) {
      const entries = [...registry.list(t)].sort((a, b) => a.displayName.localeCompare(b.displayName));
      if (entries.length) items.push({ label: t === 'destination' ? 'Destinations' : 'Sources', kind: vscode.QuickPickItemKind.Separator });
      for (const e of entries)
        items.push({
          label: e.displayName,
          description: `${e.name} · ${e.supportLevel ?? ''} · v${e.dockerImageTag}`,
          connector: { name: e.name, type: e.type, displayName: e.displayName },
        });
    }
  } catch (error) {
    host.channels.log.warn(`Registry unavailable for the connector list: ${error instanceof Error ? error.message : String(error)}`);
  }
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: 'Pick a connector', matchOnDescription: true });
  return picked?.connector;
}
