// The envelope of a config file (connector, version, image), read by the core's JSONC parse for
// commands that only need to know which connector it names. Full validation is the language service's job.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { AirbyteError } from '../../core/errors';
import { parseConfigDocument } from '../../core/language/configDocument';

export interface Envelope {
  connector: string;
  version?: string;
  image?: string;
}

export async function readEnvelope(uri: vscode.Uri): Promise<Envelope> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  const text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  const { connector, version, image } = parseConfigDocument(text).envelope;
  if (!connector)
    throw new AirbyteError('CONFIG_FILE', {
      message: `${path.basename(uri.fsPath)} does not name a connector.`,
      guidance: 'Add "connector": "destination-…" (or "builtin:…").',
      context: { file: uri.fsPath },
    });
  return { connector, version, image };
}
