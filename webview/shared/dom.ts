// A tiny element builder: enough for two views, no framework, no innerHTML (values are data).

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs | null, ...children: (Child | Child[])[]): HTMLElement;
export function h(tag: string, attrs?: Attrs | null, ...children: (Child | Child[])[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, '').toLowerCase(), v);
    else if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el: HTMLElement, children: (Child | Child[])[]): void {
  for (const c of children) {
    if (Array.isArray(c)) append(el, c);
    else if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  }
}

/** Replaces a region's content, keeping keyboard focus on the element with the same data-key. */
export function render(region: HTMLElement, ...children: (Child | Child[])[]): void {
  const focused = document.activeElement instanceof HTMLElement && region.contains(document.activeElement)
    ? document.activeElement.closest<HTMLElement>('[data-key]')?.dataset.key : undefined;
  const frag = document.createDocumentFragment();
  const tmp = document.createElement('div');
  append(tmp, children);
  frag.append(...Array.from(tmp.childNodes));
  region.replaceChildren(frag);
  if (focused) region.querySelector<HTMLElement>(`[data-key="${CSS.escape(focused)}"]`)?.focus();
}
