/**
 * Server-sent event streams on the wire: which events a stream carries and
 * the schema of each one's data. The daemon writes them (daemon/sse.ts), the
 * typed client reads them (protocol/event-stream.ts parses the framing).
 */
import { Type, type Static, type TSchema } from '../core/typebox.js';
import { ErrorBodySchema } from './error-body.js';
import { SnippetSchema } from './snippet.js';

/** One event kind: the schema of its data (JSON) and what it means. */
export interface EventContract<Data extends TSchema = TSchema> {
  data: Data;
  description: string;
}

/** A route's stream: how a client asks for it, its events by name (`message` for unnamed `data:` events), and a last event that is not JSON, if any. */
export interface StreamContract<Events extends Record<string, EventContract> = Record<string, EventContract>> {
  request: string;
  events: Events;
  end?: { data: string; description: string };
}

/** The data type of each event of a stream, by name. */
export type EventData<S extends StreamContract> = { [K in keyof S['events']]: Static<S['events'][K]['data']> };

/** The stream of /explain, /refactor and /ask: tokens as they come, then the sources, then the whole answer (`done`) — or `error`. */
export function answerStream<Done extends TSchema>(done: Done) {
  return {
    request: 'send `Accept: text/event-stream`',
    events: {
      token: { data: Type.String(), description: "a piece of the model's reply as it is written; the tokens joined are the reply" },
      sources: { data: Type.Array(SnippetSchema), description: "the answer's sources, once known (just before `done`)" },
      done: { data: done, description: 'the answer, as the JSON answer would be; the stream ends' },
      error: { data: ErrorBodySchema, description: 'a failure after the stream started (before it, a failure is a JSON error with its status); the stream ends' },
    },
  } satisfies StreamContract;
}

/** OpenAI's stream: unnamed `data:` events holding chunks, then `data: [DONE]`. */
export function openAiStream<Chunk extends TSchema>(chunk: Chunk) {
  return {
    request: 'send `"stream": true` in the body',
    events: {
      message: {
        data: Type.Union([chunk, ErrorBodySchema]),
        description: 'a chunk (unnamed `data:` event); after a failure once the stream started, the error body, and the stream ends without `[DONE]`',
      },
    },
    end: { data: '[DONE]', description: 'the last event: the answer is complete' },
  } satisfies StreamContract;
}
