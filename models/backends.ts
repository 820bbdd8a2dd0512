/**
 * Which backend generates for a config: `model.backend.type` (the user's
 * config or CVU_MODEL_BACKEND / CVU_MODEL_URL; never a workspace's). One
 * backend per server, shared by every workspace that names it, so that the
 * server's state (its model facts, whether it answers) is known once.
 *
 * ```ts
 * const backends = new Backends(new InProcessBackend(runtime, log), log);
 * await backends.for(config).use(config, (model) => model.chat(messages, { maxTokens: 256, temperature: 0.2 }));
 * ```
 */
import { CvuError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/log.js';
import type { CvuConfig } from '../config/schema.js';
import type { GenerationBackend } from './generation.js';
import type { InProcessBackend } from './in-process-backend.js';
import { LlamaServerBackend } from './llama-server-backend.js';
import { OpenAiBackend } from './openai-backend.js';

export class Backends {
  private readonly remote = new Map<string, GenerationBackend>();
  /** The backend the last request used: /status reports it. */
  private last: GenerationBackend;

  constructor(
    readonly inProcess: InProcessBackend,
    private readonly log: Logger = silentLogger,
  ) {
    this.last = inProcess;
  }

  /** The backend `config` names (created on first use). */
  for(config: CvuConfig): GenerationBackend {
    const b = config.model.backend;
    if (b.type === 'in-process') return (this.last = this.inProcess);
    if (!b.url) {
      throw new CvuError('CVU_ERR_CONFIG_INVALID', `model.backend.type is ${b.type} but no server is named: set model.backend.url in $CVU_HOME/config.ts or CVU_MODEL_URL`, { status: 503 });
    }
    let url: URL;
    try {
      url = new URL(b.url);
    } catch {
      throw new CvuError('CVU_ERR_CONFIG_INVALID', `model.backend.url: ${JSON.stringify(b.url.slice(0, 200))} is not a URL (e.g. http://gpu-box:8080)`, { status: 503 });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CvuError('CVU_ERR_CONFIG_INVALID', `model.backend.url: ${url.protocol} is not http: or https:`, { status: 503 });
    const key = JSON.stringify([b.type, b.url, b.apiKey, b.model, b.timeoutSeconds]);
    let backend = this.remote.get(key);
    if (!backend) {
      const opts = { apiKey: b.apiKey, timeoutMs: b.timeoutSeconds * 1000, log: this.log };
      backend = b.type === 'llama-server' ? new LlamaServerBackend(b.url, opts) : new OpenAiBackend(b.url, { ...opts, model: b.model });
      this.remote.set(key, backend);
    }
    return (this.last = backend);
  }

  /** The backend /status describes: the one `config` names when given, else the last one used. */
  current(config?: CvuConfig | null): GenerationBackend {
    if (config) {
      try {
        return this.for(config);
      } catch {
        return this.last;
      }
    }
    return this.last;
  }

  async dispose(): Promise<void> {
    for (const b of this.remote.values()) await b.dispose();
    await this.inProcess.dispose();
  }
}
