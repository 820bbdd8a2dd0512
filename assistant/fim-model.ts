/** The loaded model as the completion features use it: its fill-in-the-middle format, its engine, its tokenizer. */
import type { Token } from 'node-llama-cpp';
import { CvuError } from '../core/errors.js';
import type { TokenCounter } from '../core/tokens.js';
import type { CvuConfig } from '../config/schema.js';
import type { LoadedLlm } from '../models/llm.js';
import { fimFormatFor, type FimFormat } from '../prompts/index.js';
import type { FimModel } from './complete.js';
import type { ModelContexts } from './model-session.js';

/**
 * The model's FIM prompt format: from its own FIM and repo-level tokens, or
 * `model.fimTemplate`. A model with neither cannot complete code (422).
 */
export function fimFormatOf(llm: LoadedLlm, config: CvuConfig): FimFormat {
  const text = (id: Token | null) => (id === null ? null : llm.model.detokenize([id], true));
  try {
    return fimFormatFor(
      {
        fimTokens: { prefix: text(llm.fim.prefix) ?? undefined, suffix: text(llm.fim.suffix) ?? undefined, middle: text(llm.fim.middle) ?? undefined },
        repoTokens: { repoName: text(llm.fim.repoName), fileSep: text(llm.fim.fileSep) },
      },
      config.model.fimTemplate,
    );
  } catch (err) {
    if (err instanceof CvuError) throw new CvuError(err.code, `model ${llm.name} cannot complete code: ${err.message}`, { status: 422, cause: err });
    throw err;
  }
}

/** The completion service's view of the session's model. */
export function fimModelOf(c: ModelContexts, config: CvuConfig, counter: TokenCounter): FimModel {
  return { name: c.llm.name, model: c.llm.model, engine: c.engine, format: fimFormatOf(c.llm, config), counter };
}
