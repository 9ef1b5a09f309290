import { strict as assert } from 'node:assert';
import { LatestThrottle, type Timers } from '../../../src/extension/webviews/throttle';
import { csp, makeNonce, webviewHtml } from '../../../src/extension/webviews/html';

function fakeTimers() {
  let now = 0;
  let queue: { at: number; fn: () => void; id: number }[] = [];
  let ids = 0;
  const timers: Timers = {
    now: () => now,
    setTimeout: (fn, ms) => { const id = ++ids; queue.push({ at: now + ms, fn, id }); return id; },
    clearTimeout: (id) => { queue = queue.filter((q) => q.id !== id); },
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      queue.sort((a, b) => a.at - b.at);
      const next = queue[0];
      if (!next || next.at > end) break;
      queue.shift();
      now = next.at;
      next.fn();
    }
    now = end;
  };
  return { timers, advance };
}

describe('webview hosts', () => {
  it('status reaches the page at most once a second, and the newest one always arrives', () => {
    const { timers, advance } = fakeTimers();
    const got: [number, number][] = [];
    const t = new LatestThrottle<number>((v) => got.push([timers.now(), v]), 1000, timers);
    // 10 statuses per second for 3 seconds.
    for (let i = 0; i < 30; i++) { t.push(i); advance(100); }
    advance(2000);
    assert.equal(got[0][1], 0, 'the first status goes out at once');
    assert.equal(got[got.length - 1][1], 29, 'the last status is never lost');
    for (let i = 1; i < got.length; i++) assert.ok(got[i][0] - got[i - 1][0] >= 1000, `deliveries ${got[i - 1][0]} and ${got[i][0]} too close`);
    assert.ok(got.length <= 4);
  });

  it('a disposed throttle delivers nothing more', () => {
    const { timers, advance } = fakeTimers();
    const got: number[] = [];
    const t = new LatestThrottle<number>((v) => got.push(v), 1000, timers);
    t.push(1); t.push(2);
    t.dispose();
    advance(5000);
    assert.deepEqual(got, [1]);
  });

  it('the page shell allows only this load\'s script and no remote or inline code', () => {
    const a = makeNonce();
    assert.notEqual(a, makeNonce());
    assert.match(a, /^[A-Za-z0-9]{16,}$/);
    const policy = csp({ cspSource: 'https://x.vscode-cdn.net', nonce: a });
    assert.match(policy, /default-src 'none'/);
    assert.match(policy, new RegExp(`script-src 'nonce-${a}'(;|$)`));
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|https?:\/\/(?!x\.vscode-cdn\.net)/);
    const html = webviewHtml({ cspSource: 'https://x.vscode-cdn.net', nonce: a, scriptUri: 'https://x.vscode-cdn.net/dist/webview/dashboard.js', title: 'LakeSync: <shop>', view: 'dashboard' });
    assert.ok(html.includes(`<script nonce="${a}" src="https://x.vscode-cdn.net/dist/webview/dashboard.js"></script>`));
    assert.ok(html.includes('<title>LakeSync: &#60;shop&#62;</title>'));
  });
});
