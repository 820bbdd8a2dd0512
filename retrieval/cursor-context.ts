import type { Workspace } from '../daemon/workspace.js';
import type { ContextRequest, ContextResult } from './context.js';

export async function buildContext(_ws: Workspace, _req: ContextRequest): Promise<ContextResult> {
  return { snippets: [], tokens: 0 };
}
