/**
 * The OpenAI-compatible surface's shapes (GET /v1/models,
 * POST /v1/chat/completions, POST /v1/completions): OpenAI's own, the part
 * Cvu reads and writes, plus `root` in requests and `cvu` in answers.
 */
import { Type, type Static, type TObjectOptions, type TProperties } from '../core/typebox.js';
import { ChatTimingsSchema, pathField } from './api.js';
import { SnippetSchema } from './snippet.js';

const common = {
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'a model GET /v1/models lists; absent or `cvu`: the configured one' })),
  max_tokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 32768 })),
  stream: Type.Optional(Type.Boolean({ description: 'true: server-sent `data:` chunks, then `data: [DONE]`' })),
  root: Type.Optional(pathField('Cvu: the workspace whose code is added; may be left out while only one is registered')),
};

// An enum rather than a union of literals: a wrong role is then one error, "must be equal to one of the allowed values".
export const ChatRoleSchema = Type.Enum(['system', 'developer', 'user', 'assistant'], { type: 'string', description: '`developer` is read as `system`' });

export const ChatCompletionRequestSchema = Type.Object({
  ...common,
  max_completion_tokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 32768, description: 'wins over max_tokens' })),
  temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
  messages: Type.Array(
    Type.Object({
      role: ChatRoleSchema,
      content: Type.Union(
        [Type.String(), Type.Array(Type.Object({ type: Type.Optional(Type.String({ description: '`text`; any other is refused' })), text: Type.Optional(Type.String()) }, { title: 'ContentPart' }), { maxItems: 1000 })],
        { description: "a string, or OpenAI's list of content parts (text parts only)" },
      ),
    }),
    { minItems: 1, maxItems: 1000, description: 'needs a user message; the last one is what the repository is searched for' },
  ),
});
export type ChatCompletionRequestBody = Static<typeof ChatCompletionRequestSchema>;

export const CompletionRequestSchema = Type.Object({
  ...common,
  prompt: Type.String({ description: 'the text before the cursor' }),
  suffix: Type.Optional(Type.String({ description: 'the text after it: fill in the middle' })),
  path: Type.Optional(pathField("Cvu: the file the prompt belongs to (absolute, or relative to the request's workspace)")),
});
export type CompletionRequestBody = Static<typeof CompletionRequestSchema>;

const FinishReasonSchema = Type.Union([Type.Literal('stop'), Type.Literal('length')], { description: '`length` when max_tokens cut the answer' });

const UsageSchema = Type.Object({
  prompt_tokens: Type.Integer({ minimum: 0 }),
  completion_tokens: Type.Integer({ minimum: 0 }),
  total_tokens: Type.Integer({ minimum: 0 }),
});

/** What Cvu adds to OpenAI's answer: the repository code it put in the prompt. */
const CvuExtraSchema = Type.Object({ sources: Type.Array(SnippetSchema), timings: ChatTimingsSchema }, { description: 'Cvu: the repository code added to the prompt, and timings' });

/**
 * An answer of OpenAI's shape, whole or a chunk of a stream: its id and time,
 * its `object`, one choice (`index`, the choice's own fields, `logprobs`), and
 * the rest (`usage`, `cvu`).
 */
function answerSchema<O extends string, C extends TProperties, R extends TProperties>(object: O, choice: C, rest: R, options: TObjectOptions = {}) {
  return Type.Object(
    {
      id: Type.String({ description: '`chatcmpl-…` or `cmpl-…`, the same in every chunk of a stream' }),
      created: Type.Integer({ description: 'Unix seconds' }),
      model: Type.String({ description: 'the model that answered' }),
      object: Type.Literal(object),
      choices: Type.Array(Type.Object({ index: Type.Integer(), ...choice, logprobs: Type.Null() })),
      ...rest,
    },
    options,
  );
}

export const ModelListSchema = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(Type.Object({ id: Type.String(), object: Type.Literal('model'), created: Type.Integer(), owned_by: Type.Literal('cvu') }), { description: 'the installed models' }),
});
export type ModelList = Static<typeof ModelListSchema>;

const whole = { usage: UsageSchema, cvu: CvuExtraSchema };
/** A chunk's finish reason: null until the last. */
const chunkFinish = Type.Union([FinishReasonSchema, Type.Null()]);
const chunkUsage = { usage: Type.Optional(UsageSchema) };

export const ChatCompletionSchema = answerSchema('chat.completion', { message: Type.Object({ role: Type.Literal('assistant'), content: Type.String() }), finish_reason: FinishReasonSchema }, whole);
export type ChatCompletion = Static<typeof ChatCompletionSchema>;

export const TextCompletionSchema = answerSchema('text_completion', { text: Type.String(), finish_reason: FinishReasonSchema }, whole);
export type TextCompletion = Static<typeof TextCompletionSchema>;

export const ChatCompletionChunkSchema = answerSchema(
  'chat.completion.chunk',
  {
    delta: Type.Object({ role: Type.Optional(Type.Literal('assistant')), content: Type.Optional(Type.String()) }, { description: 'empty in the last chunk' }),
    finish_reason: chunkFinish,
  },
  chunkUsage,
  { title: 'ChatCompletionChunk', description: 'the first carries the role, the last the finish reason and usage' },
);
export type ChatCompletionChunk = Static<typeof ChatCompletionChunkSchema>;

export const TextCompletionChunkSchema = answerSchema('text_completion', { text: Type.String(), finish_reason: chunkFinish }, chunkUsage, {
  title: 'TextCompletionChunk',
  description: 'the last carries the finish reason and usage',
});
export type TextCompletionChunk = Static<typeof TextCompletionChunkSchema>;
