// The HTML shell of every LakeSync webview: a strict CSP (scripts only with this load's nonce,
// styles only from the extension or constructed by that script, nothing remote) and one bundled
// script. No `vscode` import: the e2e gallery renders the same shell in plain Chromium.
import { randomBytes } from 'node:crypto';

export function makeNonce(): string {
  return randomBytes(18).toString('base64').replace(/[+/=]/g, '');
}

export interface ShellOptions {
  /** webview.cspSource: the origin VS Code serves extension files from. */
  cspSource: string;
  nonce: string;
  /** asWebviewUri of dist/webview/<name>.js */
  scriptUri: string;
  title: string;
  /** Marks the body for styles and tests, e.g. `dashboard`. */
  view: string;
}

export function csp(o: Pick<ShellOptions, 'cspSource' | 'nonce'>): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${o.nonce}'`,
    // Styles come from the bundle through constructed style sheets (adoptedStyleSheets), which a
    // style-src list does not restrict; 'nonce' keeps <style> elements out.
    `style-src ${o.cspSource} 'nonce-${o.nonce}'`,
    `img-src ${o.cspSource} data:`,
    `font-src ${o.cspSource}`,
  ].join('; ');
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function webviewHtml(o: ShellOptions): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp(o)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(o.title)}</title>
</head>
<body data-view="${escapeHtml(o.view)}">
<script nonce="${o.nonce}" src="${escapeHtml(o.scriptUri)}"></script>
</body>
</html>`;
}
