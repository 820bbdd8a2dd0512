import type { FileChange } from '../../store/index-store.js';
import { codeSearchText } from '../../store/code-text.js';

/** A store commit of one file: one chunk holding `body` and one definition named `symbol`. */
export function fileChange(p: string, body: string, symbol = 'fn'): FileChange {
  const hash = `h-${p}-${body.length}`;
  return {
    file: { path: p, hash: `f-${hash}`, size: body.length, mtime_ms: 1, language: 'typescript', imports: '[]', chunk_hashes: hash },
    chunks: [{ id: `${p}:1-1`, path: p, language: 'typescript', start_line: 1, end_line: 1, text: body, symbol, kind: 'function', container: null, header: null, refs: '', hash, fts: codeSearchText(`${p}\n${body}`), fts_head: codeSearchText(`${p}\n${symbol}`) }],
    symbols: [{ name: symbol, kind: 'function', path: p, start_line: 1, end_line: 1, container: null, signature: `function ${symbol}()`, exported: true }],
  };
}
