/**
 * The OpenAI-compatible surface's shapes (GET /v1/models,
 * POST /v1/chat/completions, POST /v1/completions): OpenAI's own, the part
 * Cvu reads and writes, plus `root` in requests and `cvu` in answers.
 */
import { Type, type Static } from 'typebox';
import { ChatTimingsSchema, pathField } from './api.js';
import { SnippetSchema } from './snippet.js';

const common = {
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'a model GET /v1/models lists; absent or `cvu`: the configured one' })),
  max_tokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 32768 })),
  stream: Type.Optional(Type.Boolean({ description: 'true: server-sent `data:` chunks, then `data: [DONE]`' })),
  root: Type.Optional(pathField('Cvu: the workspace whose code is added; may be left out while only one is registered')),
};

export const ChatRoleSchema = Type.Union([Type.Literal('system'), Type.Literal('developer'), Type.Literal('user'), Type.Literal('assistant')], { description: '`developer` is read as `system`' });

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

const answerHead = {
  id: Type.String({ description: '`chatcmpl-…` or `cmpl-…`, the same in every chunk of a stream' }),
  created: Type.Integer({ description: 'Unix seconds' }),
  model: Type.String({ description: 'the model that answered' }),
};

export const ModelListSchema = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(Type.Object({ id: Type.String(), object: Type.Literal('model'), created: Type.Integer(), owned_by: Type.Literal('cvu') }), { description: 'the installed models' }),
});
export type ModelList = Static<typeof ModelListSchema>;

export const ChatCompletionSchema = Type.Object({
  ...answerHead,
  object: Type.Literal('chat.completion'),
  choices: Type.Array(
    Type.Object({
      index: Type.Integer(),
      message: Type.Object({ role: Type.Literal('assistant'), content: Type.String() }),
      finish_reason: FinishReasonSchema,
      logprobs: Type.Null(),
    }),
  ),
  usage: UsageSchema,
  cvu: CvuExtraSchema,
});
export type ChatCompletion = Static<typeof ChatCompletionSchema>;

export const TextCompletionSchema = Type.Object({
  ...answerHead,
  object: Type.Literal('text_completion'),
  choices: Type.Array(Type.Object({ index: Type.Integer(), text: Type.String(), finish_reason: FinishReasonSchema, logprobs: Type.Null() })),
  usage: UsageSchema,
  cvu: CvuExtraSchema,
});
export type TextCompletion = Static<typeof TextCompletionSchema>;

/** One event of a streamed chat: the first carries the role, the last the finish reason and usage. */
export const ChatCompletionChunkSchema = Type.Object({
  ...answerHead,
  object: Type.Literal('chat.completion.chunk'),
  choices: Type.Array(
    Type.Object({
      index: Type.Integer(),
      delta: Type.Object({ role: Type.Optional(Type.Literal('assistant')), content: Type.Optional(Type.String()) }, { description: 'empty in the last chunk' }),
      finish_reason: Type.Union([FinishReasonSchema, Type.Null()]),
      logprobs: Type.Null(),
    }),
  ),
  usage: Type.Optional(UsageSchema),
}, { title: 'ChatCompletionChunk', description: 'the first carries the role, the last the finish reason and usage' });
export type ChatCompletionChunk = Static<typeof ChatCompletionChunkSchema>;

/** One event of a streamed text completion: the last carries the finish reason and usage. */
export const TextCompletionChunkSchema = Type.Object({
  ...answerHead,
  object: Type.Literal('text_completion'),
  choices: Type.Array(Type.Object({ index: Type.Integer(), text: Type.String(), finish_reason: Type.Union([FinishReasonSchema, Type.Null()]), logprobs: Type.Null() })),
  usage: Type.Optional(UsageSchema),
}, { title: 'TextCompletionChunk', description: 'the last carries the finish reason and usage' });
export type TextCompletionChunk = Static<typeof TextCompletionChunkSchema>;
