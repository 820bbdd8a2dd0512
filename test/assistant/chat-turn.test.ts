import { describe, expect, it } from 'vitest';
import { chatHistory } from '../../models/in-process-backend.js';

describe('chatHistory', () => {
  it("gives node-llama-cpp the conversation by role, ending with the model's turn opened by the prefill", () => {
    const history = chatHistory(
      [
        { role: 'system', content: 'You explain code.' },
        { role: 'user', content: 'What is this?' },
        { role: 'assistant', content: 'A loop.' },
        { role: 'user', content: 'Rewrite it.' },
      ],
      '```ts\n',
    );
    expect(history).toEqual([
      { type: 'system', text: 'You explain code.' },
      { type: 'user', text: 'What is this?' },
      { type: 'model', response: ['A loop.'] },
      { type: 'user', text: 'Rewrite it.' },
      { type: 'model', response: ['```ts\n'] },
    ]);
    expect(chatHistory([{ role: 'user', content: 'Hi' }]).at(-1)).toEqual({ type: 'model', response: [] });
  });
});
