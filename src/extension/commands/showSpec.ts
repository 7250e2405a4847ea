// "Show Connector Spec": the connector's ConnectorSpecification as a read-only JSON document.
import * as vscode from 'vscode';
import type { ConnectorRef } from '../../core/spec/specTypes';
import type { ExtensionHost } from '../host';
import { pickConnector } from './pickConnector';
import { readEnvelope } from './readEnvelope';
import { uriFromArg } from './pickConfig';
import { LANGUAGE_ID } from '../languageFeatures';

export const SPEC_SCHEME = 'airbyte-spec';
const contents = new Map<string, string>();
let registered = false;

function ensureProvider(host: ExtensionHost): void {
  if (registered) return;
  registered = true;
  host.context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(SPEC_SCHEME, {
      provideTextDocumentContent: (uri) => contents.get(uri.toString()) ?? '',
    }),
  );
}

/** The connector a command argument names: `{connector}` from the Connectors view, a config file, or the active config editor. */
export async function connectorRefFromArg(host: ExtensionHost, arg: unknown): Promise<ConnectorRef | undefined> {
  if (typeof arg === 'object' && arg !== null && 'info' in arg) {
    const info = (arg as { info: { name: string } }).info;
    return { connector: info.name };
  }
  if (typeof arg === 'object' && arg !== null && typeof (arg as { connector?: unknown }).connector === 'string') {
    const o = arg as { connector: string; version?: string; image?: string };
    return { connector: o.connector, version: o.version, image: o.image };
  }
  const uri =
    uriFromArg(arg) ??
    (vscode.window.activeTextEditor?.document.languageId === LANGUAGE_ID ? vscode.window.activeTextEditor.document.uri : undefined);
  if (uri) {
    const env = await readEnvelope(uri);
    return { connector: env.connector, version: env.version, image: env.image };
  }
  const picked = await pickConnector(host, 'Show Connector Spec');
  return picked && { connector: picked.name };
}

export async function showSpec(host: ExtensionHost, arg?: unknown): Promise<vscode.TextDocument | undefined> {
  const ref = await connectorRefFromArg(host, arg);
  if (!ref) return undefined;
  const services = await host.services();
  const resolved = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `Airbyte: reading the spec of ${ref.connector}…` },
    () => services.resolveSpec(ref, { allowRun: true }),
  );
  ensureProvider(host);
  const version = resolved.image?.split(':').pop() ?? resolved.entry?.dockerImageTag ?? resolved.origin;
  const uri = vscode.Uri.from({ scheme: SPEC_SCHEME, path: `/${resolved.connector.replace(/[:/]/g, '-')}@${version}.spec.json` });
  contents.set(uri.toString(), `${JSON.stringify(resolved.spec, null, 2)}\n`);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc, { preview: true });
  return doc;
}
