/**
 * Token counting for budgets. Until a model is loaded Cvu estimates (code
 * runs about 3.5–4 characters a token in the BPE vocabularies of code
 * models); the model runtime installs its own tokenizer's count.
 */
export interface TokenCounter {
  readonly name: string;
  count(text: string): number;
}

export const estimateTokens: TokenCounter = {
  name: 'estimate',
  count: (text) => Math.ceil(text.length / 4),
};
