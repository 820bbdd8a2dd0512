/**
 * Which GGUF file a model reference names. A reference is what `model.path`,
 * `CVU_MODEL` and `cvu models pull` take: a `.gguf` path, an installed
 * model's name, a catalogue name or alias, or a model URI.
 *
 * ```ts
 * parseModelReference('./models/tiny.gguf', cwd);  // { kind: 'path', file: '/abs/models/tiny.gguf' }
 * parseModelReference('qwen2.5-coder-1.5b', cwd);  // { kind: 'name', name, entry: <catalogue entry> }
 * await resolveModel(registry, 'hf:owner/repo/file.gguf', { cwd, endpoint }); // { name, file, via: 'uri' }
 * ```
 *
 * A reference that names nothing on this machine is CVU_ERR_MODEL_MISSING
 * with the command that fixes it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CvuError } from '../core/errors.js';
import { CATALOGUE, DEFAULT_MODEL_NAME, findCatalogueEntry, findCatalogueEntryByUri, type CatalogueEntry } from './catalogue.js';
import { isFile, modelNameFromFile } from './model-files.js';
import type { ModelRegistry } from './model-registry.js';
import { findDownloaded, isModelUri } from './model-uri.js';

export interface ResolvedModel {
  name: string;
  file: string;
  /** How `model.path` named it. */
  via: 'path' | 'name' | 'uri' | 'default';
}

export type ModelReference =
  | { kind: 'path'; file: string }
  | { kind: 'uri'; uri: string; entry: CatalogueEntry | null }
  /** A name: installed, or a catalogue entry (`entry`), or neither. */
  | { kind: 'name'; name: string; entry: CatalogueEntry | null };

function looksLikePath(s: string): boolean {
  return path.isAbsolute(s) || s.startsWith('.') || s.startsWith('~') || s.includes('\\') || s.includes('/') || /\.gguf$/i.test(s);
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

/** What kind of reference `spec` is: a URI, a catalogue name, a path (relative to `cwd`), else a name. */
export function parseModelReference(spec: string, cwd: string): ModelReference {
  const s = spec.trim();
  if (isModelUri(s)) return { kind: 'uri', uri: s, entry: findCatalogueEntryByUri(s) };
  const entry = findCatalogueEntry(s);
  if (entry) return { kind: 'name', name: s, entry };
  if (looksLikePath(s)) return { kind: 'path', file: path.resolve(cwd, expandHome(s)) };
  return { kind: 'name', name: s, entry: null };
}

/**
 * The GGUF file `spec` names: a file path (relative to `opts.cwd`), an
 * installed model's name, a catalogue name, or a URI that was pulled. With
 * nothing named, the installed default model (or the only installed one).
 */
export async function resolveModel(registry: ModelRegistry, spec: string | null, opts: { cwd: string; endpoint: string }): Promise<ResolvedModel> {
  if (spec === null || spec.trim() === '') return resolveDefault(registry);
  const ref = parseModelReference(spec, opts.cwd);
  switch (ref.kind) {
    case 'path': {
      if (isFile(ref.file)) {
        const installed = registry.list().find((m) => m.file === ref.file);
        return { name: installed?.name ?? modelNameFromFile(ref.file), file: ref.file, via: 'path' };
      }
      const why = fs.existsSync(ref.file) ? 'is not a file' : 'does not exist';
      throw new CvuError(
        'CVU_ERR_MODEL_MISSING',
        `model file ${ref.file} ${why} (model.path or CVU_MODEL names it); fix the path, or run \`cvu models pull ${DEFAULT_MODEL_NAME}\` and set model.path to that name`,
        { status: 503 },
      );
    }
    case 'uri': {
      const hit = registry.list().find((m) => m.present && (m.source === ref.uri || (ref.entry !== null && m.catalogue === ref.entry.name)));
      if (hit) return { name: hit.name, file: hit.file, via: 'uri' };
      // Not registered, but downloaded under node-llama-cpp's own name for it (a lost registry, its CLI's `pull --dir`).
      const found = await findDownloaded(ref.uri, registry.dir, opts.endpoint);
      if (found) return { name: registry.list().find((m) => m.file === found)?.name ?? modelNameFromFile(found), file: found, via: 'uri' };
      throw new CvuError('CVU_ERR_MODEL_MISSING', `model ${ref.uri} is not downloaded; run \`cvu models pull ${ref.uri}\``, { status: 503 });
    }
    case 'name': {
      const hit = registry.find(ref.name);
      if (hit?.present) return { name: hit.name, file: hit.file, via: 'name' };
      if (hit) {
        throw new CvuError(
          'CVU_ERR_MODEL_MISSING',
          `model ${hit.name} is registered but its file ${hit.file} is gone; run \`cvu models rm ${hit.name}\` and \`cvu models pull ${hit.kind === 'linked' ? 'PATH' : hit.source}\``,
          { status: 503 },
        );
      }
      if (ref.entry) {
        throw new CvuError('CVU_ERR_MODEL_MISSING', `model ${ref.entry.name} is not downloaded; run \`cvu models pull ${ref.name}\``, { status: 503 });
      }
      throw new CvuError(
        'CVU_ERR_MODEL_MISSING',
        `model ${ref.name} is neither installed nor in the catalogue (${catalogueNames()}); run \`cvu models pull NAME\` with one of those, \`cvu models pull hf:OWNER/REPO/FILE.gguf\`, or set model.path to a .gguf file`,
        { status: 503 },
      );
    }
  }
}

/** The installed default: the catalogue's default, else any catalogue model, else the first installed. */
function resolveDefault(registry: ModelRegistry): ResolvedModel {
  const present = registry.list().filter((m) => m.present);
  const preferred = present.find((m) => m.catalogue === DEFAULT_MODEL_NAME) ?? present.find((m) => m.catalogue !== null) ?? present[0];
  if (preferred) return { name: preferred.name, file: preferred.file, via: 'default' };
  throw new CvuError(
    'CVU_ERR_MODEL_MISSING',
    `no generation model is configured or installed; run \`cvu models pull ${DEFAULT_MODEL_NAME}\` (or set model.path / CVU_MODEL to a .gguf file)`,
    { status: 503 },
  );
}

/** The catalogue's names, for messages. */
export function catalogueNames(): string {
  return CATALOGUE.map((e) => e.name).join(', ');
}
