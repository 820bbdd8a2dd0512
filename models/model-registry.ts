/**
 * The installed generation models: `$CVU_HOME/models/llm/registry.json`
 * (name, file, size, where it came from, sha256 when known), plus stray
 * `.gguf` files dropped into that folder, listed by file name.
 *
 * ```ts
 * const registry = new ModelRegistry(llmModelsDir(home));
 * registry.list();                       // InstalledModel[], sorted by name
 * registry.find('qwen2.5-coder-1.5b');   // by name, or by the catalogue entry it names
 * registry.save(entry);                  // replaces entries of the same name or file
 * ```
 *
 * Writes replace the file whole (write, then rename), so a crash never
 * leaves half a registry; an unreadable one is logged and started afresh.
 * A plain JSON file rather than a store library: one small document, rewritten
 * whole on each change.
 */
import fs from 'node:fs';
import path from 'node:path';
import { silentLogger, type Logger } from '../core/log.js';
import { findCatalogueEntry, findCatalogueEntryByUri } from './catalogue.js';
import { errorText, fileSize, isFile, modelNameFromFile } from './model-files.js';

export function llmModelsDir(home: string): string {
  return path.join(home, 'models', 'llm');
}

export interface InstalledModel {
  /** The name `model.path`, `CVU_MODEL` and `cvu models rm` accept. */
  name: string;
  /** Absolute path of the GGUF file (the first part of a split model). */
  file: string;
  /** Size on disk (all parts). */
  bytes: number;
  /** The URI it was downloaded from, or the local path it was registered from. */
  source: string;
  /** `downloaded` into the models folder, or `linked` to a file elsewhere. */
  kind: 'downloaded' | 'linked';
  /** ISO time it was installed; null for a stray file found in the folder. */
  addedAt: string | null;
  sha256: string | null;
  /** The catalogue entry it corresponds to, if any. */
  catalogue: string | null;
  /** False when the file has gone (a linked file deleted or moved). */
  present: boolean;
}

/** One model as registry.json stores it. */
export interface RegistryEntry {
  name: string;
  /** Downloaded: relative to the models folder; linked: absolute. */
  file: string;
  /** Other files of a split model, relative like `file`. */
  parts?: string[];
  bytes: number;
  source: string;
  kind: 'downloaded' | 'linked';
  addedAt: string;
  sha256?: string;
  catalogue?: string;
}

interface RegistryFile {
  version: 1;
  models: RegistryEntry[];
}

const REGISTRY = 'registry.json';

export class ModelRegistry {
  constructor(
    /** `$CVU_HOME/models/llm`. */
    readonly dir: string,
    private readonly log: Logger = silentLogger,
  ) {}

  /** The registered entries (stray files not included). */
  entries(): RegistryEntry[] {
    const file = path.join(this.dir, REGISTRY);
    try {
      const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<RegistryFile>;
      return Array.isArray(raw.models) ? raw.models.filter((m): m is RegistryEntry => typeof m?.name === 'string' && typeof m?.file === 'string') : [];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn(`model registry ${file} is unreadable (${errorText(err)}); starting a new one`);
      return [];
    }
  }

  private write(models: RegistryEntry[]): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const file = path.join(this.dir, REGISTRY);
    const tmp = `${file}.${process.pid}.tmp`;
    const content: RegistryFile = { version: 1, models };
    fs.writeFileSync(tmp, JSON.stringify(content, null, 2) + '\n');
    fs.renameSync(tmp, file);
  }

  /** Adds `entry`, dropping the entries `replaces` picks (same name, same file). */
  save(entry: RegistryEntry, replaces: (e: RegistryEntry) => boolean): void {
    this.write([...this.entries().filter((e) => !replaces(e)), entry]);
  }

  /** Forgets the entry named `name` (exactly); false when there was none. */
  forget(name: string): boolean {
    const all = this.entries();
    const kept = all.filter((e) => e.name !== name);
    if (kept.length === all.length) return false;
    this.write(kept);
    return true;
  }

  /** An entry's file as an absolute path (downloaded files are stored relative to the folder). */
  abs(file: string): string {
    return path.isAbsolute(file) ? file : path.join(this.dir, file);
  }

  /** All files of an entry: the first part, then the others of a split model. */
  filesOf(e: RegistryEntry): string[] {
    return [this.abs(e.file), ...(e.parts ?? []).map((p) => this.abs(p))];
  }

  installed(e: RegistryEntry): InstalledModel {
    const sizes = this.filesOf(e).map(fileSize);
    const present = sizes.every((s) => s !== null);
    return {
      name: e.name,
      file: this.abs(e.file),
      bytes: present ? sizes.reduce<number>((a, b) => a + (b ?? 0), 0) : e.bytes,
      source: e.source,
      kind: e.kind,
      addedAt: e.addedAt,
      sha256: e.sha256 ?? null,
      catalogue: e.catalogue ?? findCatalogueEntryByUri(e.source)?.name ?? null,
      present,
    };
  }

  /** Installed models: the registry, plus stray `.gguf` files in the models folder. Sorted by name. */
  list(): InstalledModel[] {
    const entries = this.entries();
    const out = entries.map((e) => this.installed(e));
    const known = new Set(entries.flatMap((e) => this.filesOf(e)));
    let files: string[] = [];
    try {
      files = fs.readdirSync(this.dir).filter((f) => /\.gguf$/i.test(f));
    } catch {
      /* no folder yet */
    }
    for (const f of files) {
      const file = path.join(this.dir, f);
      if (known.has(file) || !isFile(file)) continue;
      // The later parts of a split model belong to its first part.
      if (/-(\d{5})-of-\d{5}\.gguf$/i.test(f) && !/-00001-of-\d{5}\.gguf$/i.test(f)) continue;
      const name = modelNameFromFile(f);
      if (out.some((m) => m.name === name)) continue;
      out.push({ name, file, bytes: fileSize(file) ?? 0, source: file, kind: 'downloaded', addedAt: null, sha256: null, catalogue: null, present: true });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The installed model named `name` (case-insensitive), or the one a catalogue name or alias stands for. */
  find(name: string): InstalledModel | null {
    const n = name.trim().toLowerCase();
    const all = this.list();
    const exact = all.find((m) => m.name.toLowerCase() === n);
    if (exact) return exact;
    const entry = findCatalogueEntry(n);
    return entry ? (all.find((m) => m.catalogue === entry.name || m.source === entry.uri) ?? null) : null;
  }

  /** The registered entry named `name` (case-insensitive) that `except` does not excuse, or undefined. */
  nameTaken(name: string, except: (e: RegistryEntry) => boolean = () => false): RegistryEntry | undefined {
    const n = name.toLowerCase();
    return this.entries().find((e) => e.name.toLowerCase() === n && !except(e));
  }
}
