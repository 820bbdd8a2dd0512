/** The model as the completion features use it: its fill-in-the-middle format, the backend's generation, its tokenizer. */
import { CvuError } from '../core/errors.js';
import type { CvuConfig } from '../config/schema.js';
import type { GenerationModel, ModelFacts } from '../models/generation.js';
import { fimFormatFor, type FimFormat } from '../prompts/index.js';
import type { FimModel } from './complete.js';

/**
 * The model's FIM prompt format: from its own FIM and repo-level tokens, or
 * `model.fimTemplate`. A model with neither cannot complete code (422).
 */
export function fimFormatOf(facts: ModelFacts, config: CvuConfig): FimFormat {
  const fim = facts.fim;
  try {
    return fimFormatFor(
      {
        fimTokens: { prefix: fim.prefix ?? undefined, suffix: fim.suffix ?? undefined, middle: fim.middle ?? undefined },
        repoTokens: { repoName: fim.repoName, fileSep: fim.fileSep },
      },
      config.model.fimTemplate,
    );
  } catch (err) {
    if (err instanceof CvuError) throw new CvuError(err.code, `model ${facts.name} cannot complete code: ${err.message}`, { status: 422, cause: err });
    throw err;
  }
}

/** The completion service's view of the model. */
export function fimModelOf(model: GenerationModel, config: CvuConfig): FimModel {
  return { name: model.facts.name, model, format: fimFormatOf(model.facts, config), counter: model.counter };
}
