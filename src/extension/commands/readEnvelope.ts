// The envelope of a config file (connector, version, image), read leniently for commands that
// only need to know which connector it names. Full validation is the language service's job.
import * as path from 'node:path';
import { parse, type ParseError } from 'jsonc-parser';
import * as vscode from 'vscode';

export interface Envelope {
  connector: string;
  version?: string;
  image?: string;
}

export async function readEnvelope(uri: vscode.Uri): Promise<Envelope> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  const text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true }) as Record<string, unknown> | undefined;
  const connector = typeof value?.connector === 'string' ? value.connector : undefined;
  if (!connector)
    throw new Error(`${path.basename(uri.fsPath)} does not name a connector: add "connector": "destination-…" (or "builtin:…").`);
  return {
    connector,
    version: typeof value?.version === 'string' ? value.version : undefined,
    image: typeof value?.image === 'string' ? value.image : undefined,
  };
}
