// The webview side of the host connection: VS Code's API object, typed for one view's messages.
// acquireVsCodeApi may be called once per load.

interface VsCodeApi<S> { postMessage(msg: unknown): void; getState(): S | undefined; setState(s: S): void }
declare function acquireVsCodeApi<S>(): VsCodeApi<S>;

export interface HostConnection<Out, S> {
  post(msg: Out): void;
  getState(): S | undefined;
  setState(s: S): void;
}

export function connect<In, Out, S>(onMessage: (msg: In) => void): HostConnection<Out, S> {
  const api = acquireVsCodeApi<S>();
  // Only messages from the host reach here (VS Code posts them on the webview's own window).
  window.addEventListener('message', (e: MessageEvent) => onMessage(e.data as In));
  return { post: (m) => api.postMessage(m), getState: () => api.getState(), setState: (s) => api.setState(s) };
}

/** Applies CSS text (bundled as a string) without a <style> element, so the strict CSP holds. */
export function adoptCss(...texts: string[]): void {
  const sheets = texts.map((t) => { const s = new CSSStyleSheet(); s.replaceSync(t); return s; });
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, ...sheets];
}
