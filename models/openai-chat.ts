/**
 * One chat answer through an OpenAI-style `/v1/chat/completions` stream,
 * which both remote backends use (llama-server applies the model's own chat
 * template there, as vLLM and the others do).
 *
 * A prefill (refactor opens the answer with a code fence) is sent as a final
 * assistant message that the server continues (`continue_final_message`,
 * which llama-server and vLLM read); a server that instead starts a new
 * message may write the opening itself, which is then dropped once.
 */
import type { ChatOptions, ChatOutput, ChatTurnMessage } from './generation.js';
import type { ModelHttp } from './model-http.js';

interface ChatChunk {
  choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
}

export async function streamChat(http: ModelHttp, model: string | undefined, messages: readonly ChatTurnMessage[], opts: ChatOptions): Promise<ChatOutput> {
  const started = performance.now();
  const body: Record<string, unknown> = {
    ...(model ? { model } : {}),
    messages: opts.prefill ? [...messages, { role: 'assistant', content: opts.prefill }] : messages,
    max_tokens: opts.maxTokens,
    temperature: opts.temperature,
    ...(opts.topP !== undefined ? { top_p: opts.topP } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    stream: true,
    stream_options: { include_usage: true },
    ...(opts.prefill ? { continue_final_message: true, add_generation_prompt: false } : {}),
  };
  let text = '';
  let pending = opts.prefill ?? '';
  let firstTokenMs = 0;
  let stopReason = 'eogToken';
  let promptTokens = 0;
  let generatedTokens = 0;
  let chunks = 0;
  await http.stream('/v1/chat/completions', body, (event) => {
    const chunk = event as ChatChunk;
    if (chunk.usage) {
      promptTokens = chunk.usage.prompt_tokens ?? promptTokens;
      generatedTokens = chunk.usage.completion_tokens ?? generatedTokens;
    }
    const choice = chunk.choices?.[0];
    if (!choice) return;
    if (choice.finish_reason) stopReason = choice.finish_reason === 'length' ? 'maxTokens' : 'eogToken';
    let piece = choice.delta?.content ?? '';
    if (!piece) return;
    chunks++;
    if (pending) {
      // A server that ignored the prefill and wrote it again: drop the repeat.
      const same = commonPrefix(pending, piece);
      if (same === piece.length || same === pending.length) {
        pending = pending.slice(same);
        piece = piece.slice(same);
      } else pending = '';
    }
    if (!piece) return;
    if (!firstTokenMs) firstTokenMs = performance.now() - started;
    text += piece;
    opts.onToken?.(piece);
  }, { signal: opts.signal });
  return { text, stopReason, promptTokens, generatedTokens: generatedTokens || chunks, firstTokenMs: firstTokenMs || performance.now() - started };
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
