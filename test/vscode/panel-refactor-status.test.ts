import { describe, expect, it } from 'vitest';
import { CvuError } from '../../core/errors.js';
import { contentSecurityPolicy, renderBody, renderMarkdown, renderPanelHtml, resolveSourcePath } from '../../clients/vscode/src/panel-content.js';
import { applyQuestion, refactorEdit, selectionLines } from '../../clients/vscode/src/refactor-logic.js';
import { renderStatus } from '../../clients/vscode/src/status-model.js';

describe('panel content', () => {
  it('escapes HTML in the streamed answer and in code', () => {
    const html = renderMarkdown('Hi <script>alert(1)</script> & "x"\n\n```ts\nconst a = "<img src=x onerror=alert(1)>";\n```');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;');
    expect(html).toContain('<pre><code class="language-ts">const a = &quot;&lt;img');
  });

  it('links path:line sources, in text, in inline code and in the sources list', () => {
    const html = renderMarkdown('See src/config/parse-config.ts:12-20 and `src/a.ts:3`.');
    expect(html).toContain('<a href="#" class="source" data-path="src/config/parse-config.ts" data-line="12">src/config/parse-config.ts:12-20</a>');
    expect(html).toContain('<code><a href="#" class="source" data-path="src/a.ts" data-line="3">src/a.ts:3</a></code>');
    const body = renderBody({ title: 'Explain', markdown: 'ok', busy: false, sources: [{ path: 'src/<b>.ts', startLine: 4, endLine: 9, text: '', score: 1, source: 'fts' }] });
    expect(body).toContain('data-path="src/&lt;b&gt;.ts" data-line="4">src/&lt;b&gt;.ts:4-9</a>');
    expect(body).not.toContain('<b>');
  });

  it('renders an unfinished stream (open fence) and lists', () => {
    const html = renderMarkdown('# Title\n- one\n- **two**\n\n```js\nlet x');
    expect(html).toContain('<h2>Title</h2>');
    expect(html).toContain('<ul>\n<li>one</li>\n<li><strong>two</strong></li>\n</ul>');
    expect(html).toContain('<pre><code class="language-js">let x</code></pre>');
  });

  it('shows the streaming cursor at the end of the text so far, and none when done', () => {
    const at = (markdown: string, busy = true) => renderBody({ title: 'Explain', markdown, busy, sources: [] });
    expect(at('Some text')).toContain('<p>Some text<span class="cursor">▍</span></p>');
    expect(at('- one\n- two')).toContain('<li>two<span class="cursor">▍</span></li>\n</ul>');
    expect(at('```ts\nconst a')).toContain('</code></pre><span class="cursor">▍</span>');
    expect(at('')).toContain('<div class="answer"><span class="cursor">▍</span></div>');
    expect(at('Some text', false)).not.toContain('cursor');
  });

  it('has a strict CSP with nonce-only script and style', () => {
    const csp = contentSecurityPolicy('abc');
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'nonce-abc'");
    expect(csp).not.toContain('unsafe');
    const page = renderPanelHtml('abc', '<p>x</p>');
    expect(page).toContain('<script nonce="abc">');
    expect(page).toContain('<style nonce="abc">');
    expect(page).toContain(`content="${csp}"`);
  });

  it('opens only files inside a workspace root', () => {
    const exists = () => true;
    expect(resolveSourcePath('src/a.ts', ['/w'], exists)).toBe('/w/src/a.ts');
    expect(resolveSourcePath('/w/src/a.ts', ['/w'], exists)).toBe('/w/src/a.ts');
    expect(resolveSourcePath('../etc/passwd', ['/w'], exists)).toBeNull();
    expect(resolveSourcePath('/etc/passwd', ['/w'], exists)).toBeNull();
    expect(resolveSourcePath(42, ['/w'], exists)).toBeNull();
    expect(resolveSourcePath('src/a.ts', ['/w'], () => false)).toBeNull();
  });
});

describe('refactor edit', () => {
  const text = 'line1\nfunction f() {\n  return 1;\n}\nline5\n';

  it('replaces whole lines startLine..endLine as one edit', () => {
    const e = refactorEdit(text, { replacement: 'const f = () => 1;\n', startLine: 2, endLine: 4 });
    expect(e.range).toEqual({ start: { line: 1, character: 0 }, end: { line: 4, character: 0 } });
    expect(e.proposed).toBe('line1\nconst f = () => 1;\nline5\n');
    expect(e.unchanged).toBe(false);
  });

  it('handles the last line without a final newline, CRLF and no-op answers', () => {
    const noEol = 'a\nb';
    const e = refactorEdit(noEol, { replacement: 'B', startLine: 2, endLine: 2 });
    expect(e.proposed).toBe('a\nB');
    expect(e.range).toEqual({ start: { line: 1, character: 0 }, end: { line: 1, character: 1 } });
    const crlf = 'a\r\nb\r\nc\r\n';
    expect(refactorEdit(crlf, { replacement: 'X\r\nY\r\n', startLine: 2, endLine: 2 }).proposed).toBe('a\r\nX\r\nY\r\nc\r\n');
    expect(refactorEdit(text, { replacement: '  return 1;\n', startLine: 3, endLine: 3 }).unchanged).toBe(true);
  });

  it('asks to apply with the explanation on one short line, as a warning when the answer was cut short', () => {
    expect(applyQuestion({ explanation: '', truncated: false })).toEqual({ message: 'Cvu: apply the proposed change?', warn: false });
    expect(applyQuestion({ explanation: 'Uses\n  a loop.\n', truncated: false })).toEqual({ message: 'Cvu: Uses a loop.', warn: false });
    const long = applyQuestion({ explanation: 'x'.repeat(500), truncated: true }, 20);
    expect(long.warn).toBe(true);
    expect(long.message).toBe(`Cvu: ${'x'.repeat(19)}… (the answer was cut short)`);
  });

  it('turns a selection into 1-based lines, leaving out a last line selected at column 0', () => {
    expect(selectionLines({ start: { line: 1, character: 2 }, end: { line: 3, character: 1 } })).toEqual({ start: 2, end: 4 });
    expect(selectionLines({ start: { line: 1, character: 0 }, end: { line: 4, character: 0 } })).toEqual({ start: 2, end: 4 });
    expect(selectionLines({ start: { line: 1, character: 0 }, end: { line: 1, character: 0 } })).toEqual({ start: 2, end: 2 });
  });
});

describe('status model', () => {
  const endpoint = { baseUrl: 'http://127.0.0.1:1', token: 't', source: 'daemon.json' as const };
  const ws = { root: '/w', files: 40, chunks: 100, pending: 60, embedder: 'none', lastIndexedAt: null };

  it('shows indexing progress, a missing model with its fix, and ready', () => {
    const indexing = renderStatus({ kind: 'connected', endpoint, status: { workspaces: [{ ...ws, state: 'indexing' }], model: { name: 'm', loaded: false } } });
    expect(indexing.text).toContain('indexing 40%');
    expect(indexing.severity).toBe('busy');
    const noModel = renderStatus({ kind: 'connected', endpoint, status: { workspaces: [{ ...ws, state: 'ready', pending: 0 }], model: { name: null, loaded: false } } });
    expect(noModel.text).toContain('no model');
    expect(noModel.fix?.command).toBe('cvu.pullModel');
    const ready = renderStatus({ kind: 'connected', endpoint, status: { workspaces: [{ ...ws, state: 'ready', pending: 0 }], model: { name: 'qwen', loaded: true } } });
    expect(ready).toMatchObject({ severity: 'ok', fix: null });
    expect(ready.tooltip).toContain('Model: qwen (loaded)');
    const failed = renderStatus({ kind: 'connected', endpoint, status: { workspaces: [{ ...ws, state: 'error', error: 'disk full' }], model: { name: 'qwen', loaded: true } } });
    expect(failed.tooltip).toContain('disk full');
    expect(failed.severity).toBe('error');
  });

  it('says when the model server is down, and clears it once the server answers again', () => {
    const backend = { type: 'llama-server', url: 'http://gpu-box:8080' };
    const down = renderStatus({
      kind: 'connected', endpoint,
      status: { workspaces: [{ ...ws, state: 'ready', pending: 0 }], model: { name: 'qwen', loaded: false, backend: { ...backend, state: 'unavailable', error: 'ECONNREFUSED' } } },
    });
    expect(down).toMatchObject({ text: '$(error) Cvu: model server down', severity: 'error' });
    expect(down.tooltip).toContain('Model server: llama-server at http://gpu-box:8080 — unavailable: ECONNREFUSED');
    const back = renderStatus({ kind: 'connected', endpoint, status: { workspaces: [{ ...ws, state: 'ready', pending: 0 }], model: { name: 'qwen', loaded: true, backend: { ...backend, state: 'ready' } } } });
    expect(back).toMatchObject({ text: '$(check) Cvu', severity: 'ok' });
    // Not reached yet: no model name to ask for, and nothing to pull either.
    const fresh = renderStatus({ kind: 'connected', endpoint, status: { workspaces: [{ ...ws, state: 'ready', pending: 0 }], model: { name: null, loaded: false, backend: { ...backend, state: 'unknown' } } } });
    expect(fresh).toMatchObject({ severity: 'ok', fix: null });
  });

  it('offers to start the daemon when offline, settings for a refused token', () => {
    const off = renderStatus({ kind: 'disconnected', error: new CvuError('CVU_ERR_DAEMON_UNAVAILABLE', 'nothing answers'), retryInMs: 2000, attempt: 2 });
    expect(off.fix?.command).toBe('cvu.startDaemon');
    expect(off.tooltip).toContain('Retrying in 2 s');
    const auth = renderStatus({ kind: 'error', error: new CvuError('CVU_ERR_UNAUTHORIZED', 'bad token') });
    expect(auth.fix?.command).toBe('cvu.openSettings');
  });
});
