/**
 * The HTML document of the extension's webviews (run details, records preview): one script and
 * one stylesheet from the built webview folder, under the same strict content security policy (no
 * inline script but the nonce'd one, nothing from the network).
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export interface WebviewDocument {
  /** The folder the webview's files are built into (`dist/webview`). */
  root: vscode.Uri;
  script: string;
  stylesheet: string;
  title: string;
  /** Attributes of the `<body>` element, already escaped. */
  bodyAttributes?: string;
  /** The body's markup (the script tag is added after it). */
  body: string;
}

export function webviewDocument(webview: vscode.Webview, doc: WebviewDocument): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(doc.root, doc.script));
  const styles = webview.asWebviewUri(vscode.Uri.joinPath(doc.root, doc.stylesheet));
  const csp = [
    `default-src 'none'`,
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${styles.toString()}">
  <title>${doc.title}</title>
</head>
<body${doc.bodyAttributes ? ` ${doc.bodyAttributes}` : ''}>
${doc.body}
  <script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}
