/**
 * The Explain / Ask panel's HTML: the streamed markdown rendered with every
 * character of the model's text escaped first, `path:line` references turned
 * into links the panel's script posts back, and a strict Content Security
 * Policy (no remote anything, script and style by nonce only).
 */
import path from 'node:path';
import type { Snippet } from '../../daemon-client.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** `src/a.ts:12` or `src/a.ts:12-20` (also `:12:5`), in already escaped text. */
const SOURCE_RE = /(^|[\s(\[,;`])((?:[A-Za-z]:)?[\w.\-/\\@+]*[\w\-]\.[A-Za-z0-9]{1,10}):(\d+)(?:[-–](\d+)|:\d+)?(?=$|[\s)\],.;:`])/g;

export function sourceLink(p: string, line: number, endLine?: number): string {
  const label = endLine !== undefined && endLine !== line ? `${p}:${line}-${endLine}` : `${p}:${line}`;
  return `<a href="#" class="source" data-path="${escapeHtml(p)}" data-line="${line}">${escapeHtml(label)}</a>`;
}

/** Links `path:line` references in a line of escaped text. */
function linkSources(escaped: string): string {
  return escaped.replace(SOURCE_RE, (_m, pre: string, p: string, a: string, b: string | undefined) => `${pre}${sourceLink(p, Number(a), b !== undefined ? Number(b) : undefined)}`);
}

function inline(text: string): string {
  // Split off inline code first: its content is escaped and never formatted or linked.
  return text
    .split(/(`[^`]+`)/)
    .map((part) => {
      if (part.startsWith('`') && part.endsWith('`') && part.length > 1) {
        const code = part.slice(1, -1);
        const m = /^((?:[A-Za-z]:)?[\w.\-/\\@+]*[\w\-]\.[A-Za-z0-9]{1,10}):(\d+)(?:-(\d+))?$/.exec(code);
        if (m) return `<code>${sourceLink(m[1], Number(m[2]), m[3] !== undefined ? Number(m[3]) : undefined)}</code>`;
        return `<code>${escapeHtml(code)}</code>`;
      }
      let s = linkSources(escapeHtml(part));
      s = s.replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>').replace(/(^|[^*])\*([^*\s][^*]*)\*/g, '$1<em>$2</em>');
      return s;
    })
    .join('');
}

/**
 * A small markdown renderer, enough for model answers: fenced code, headings,
 * lists, paragraphs, inline code, bold and italics. Unclosed fences (the
 * stream is still going) render as code. No raw HTML ever passes through.
 */
export function renderMarkdown(md: string): string {
  const out: string[] = [];
  const lines = md.replace(/\r\n?/g, '\n').split('\n');
  let para: string[] = [];
  let list: 'ul' | 'ol' | null = null;
  const flushPara = () => {
    if (para.length) out.push(`<p>${para.map(inline).join('<br>')}</p>`);
    para = [];
  };
  const closeList = () => {
    if (list) out.push(`</${list}>`);
    list = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = /^\s*(`{3,}|~{3,})\s*([\w+#.-]*)/.exec(line);
    if (fence) {
      flushPara();
      closeList();
      const code: string[] = [];
      i++;
      while (i < lines.length && !new RegExp(`^\\s*${fence[1][0] === '`' ? '`' : '~'}{${fence[1].length},}\\s*$`).test(lines[i])) code.push(lines[i++]);
      const lang = fence[2] ? ` class="language-${escapeHtml(fence[2])}"` : '';
      out.push(`<pre><code${lang}>${escapeHtml(code.join('\n'))}</code></pre>`);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      flushPara();
      closeList();
      const level = Math.min(6, heading[1].length + 1);
      out.push(`<h${level}>${inline(heading[2])}</h${level}>`);
      continue;
    }
    const item = /^\s*(?:([-*+])|(\d+)[.)])\s+(.*)$/.exec(line);
    if (item) {
      flushPara();
      const kind = item[1] ? 'ul' : 'ol';
      if (list !== kind) {
        closeList();
        out.push(`<${kind}>`);
        list = kind;
      }
      out.push(`<li>${inline(item[3])}</li>`);
      continue;
    }
    if (!line.trim()) {
      flushPara();
      closeList();
      continue;
    }
    closeList();
    para.push(line);
  }
  flushPara();
  closeList();
  return out.join('\n');
}

export function renderSources(sources: readonly Snippet[]): string {
  if (!sources.length) return '';
  const items = sources.map((s) => `<li>${sourceLink(s.path, s.startLine, s.endLine)} <span class="kind">${escapeHtml(s.source)}</span></li>`);
  return `<h3>Sources</h3>\n<ul class="sources">\n${items.join('\n')}\n</ul>`;
}

export interface PanelBody {
  title: string;
  /** The question or the selection's place, shown above the answer. */
  subtitle?: string;
  markdown: string;
  sources: readonly Snippet[];
  /** Still streaming. */
  busy: boolean;
  notice?: string;
  error?: string;
}

const CURSOR = '<span class="cursor">▍</span>';

/** The streaming cursor at the end of the text so far: inside the last paragraph or list item, not on a line of its own. */
function withCursor(html: string): string {
  const m = /<\/(p|li)>(\n<\/[ou]l>)?$/.exec(html);
  return m ? `${html.slice(0, m.index)}${CURSOR}${html.slice(m.index)}` : `${html}${CURSOR}`;
}

/** The panel's inner HTML for the current answer (sent to the webview as it streams). */
export function renderBody(b: PanelBody): string {
  const parts = [`<h1>${escapeHtml(b.title)}</h1>`];
  if (b.subtitle) parts.push(`<p class="subtitle">${linkSources(escapeHtml(b.subtitle))}</p>`);
  if (b.error) parts.push(`<div class="error">${escapeHtml(b.error)}</div>`);
  if (b.notice) parts.push(`<div class="notice">${escapeHtml(b.notice)}</div>`);
  parts.push(`<div class="answer">${b.busy ? withCursor(renderMarkdown(b.markdown)) : renderMarkdown(b.markdown)}</div>`);
  parts.push(renderSources(b.sources));
  return parts.join('\n');
}

export function makeNonce(random: () => number = Math.random): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 32; i++) s += chars[Math.floor(random() * chars.length)];
  return s;
}

export function contentSecurityPolicy(nonce: string): string {
  return `default-src 'none'; img-src data:; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-src 'none'`;
}

/**
 * The panel document. Its script replaces the body on `{ type: 'render', html }`
 * and posts `{ type: 'open', path, line }` when a source link is clicked.
 */
export function renderPanelHtml(nonce: string, bodyHtml: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Cvu</title>
<style nonce="${nonce}">
  body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 16px; line-height: 1.5; }
  pre { background: var(--vscode-textCodeBlock-background); padding: 8px; overflow-x: auto; }
  code { font-family: var(--vscode-editor-font-family); }
  a.source { color: var(--vscode-textLink-foreground); cursor: pointer; }
  .subtitle, .kind { color: var(--vscode-descriptionForeground); }
  .error { color: var(--vscode-errorForeground); }
  .notice { border-left: 3px solid var(--vscode-editorWarning-foreground); padding-left: 8px; }
  .cursor { opacity: 0.6; }
</style>
</head>
<body>
<div id="root">${bodyHtml}</div>
<script nonce="${nonce}">
  const vscode = acquireVsCodeApi();
  const root = document.getElementById('root');
  window.addEventListener('message', (e) => {
    const m = e.data;
    if (m && m.type === 'render' && typeof m.html === 'string') root.innerHTML = m.html;
  });
  document.addEventListener('click', (e) => {
    const a = e.target instanceof Element ? e.target.closest('a.source') : null;
    if (!a) return;
    e.preventDefault();
    vscode.postMessage({ type: 'open', path: a.getAttribute('data-path'), line: Number(a.getAttribute('data-line')) });
  });
</script>
</body>
</html>`;
}

/**
 * A path a panel link asks to open, resolved against the workspace roots:
 * absolute or root-relative, and only when it lies inside one of them (a
 * link cannot open an arbitrary file). Null otherwise.
 */
export function resolveSourcePath(p: unknown, roots: readonly string[], exists: (file: string) => boolean): string | null {
  if (typeof p !== 'string' || !p || p.includes('\0')) return null;
  const candidates = path.isAbsolute(p) ? [path.normalize(p)] : roots.map((r) => path.resolve(r, p));
  for (const file of candidates) {
    const inside = roots.some((r) => {
      const rel = path.relative(r, file);
      return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    });
    if (inside && exists(file)) return file;
  }
  return null;
}
