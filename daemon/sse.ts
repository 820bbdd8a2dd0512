/**
 * The daemon's one server-sent event writer, for every streaming route
 * (/explain, /refactor, /ask and the OpenAI-compatible ones). The events a
 * stream may carry and their data come from its contract (protocol/events.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../core/log.js';
import type { ErrorBody } from '../protocol/error-body.js';
import type { EventData, StreamContract } from '../protocol/events.js';
import { toErrorBody } from './http-support.js';

/**
 * A stream opened at its first event, so that a failure before any output (a
 * missing model, a bad range) is still a plain JSON error with its status.
 * Each event is written at once (no buffering).
 */
export class EventStream<S extends StreamContract> {
  private opened = false;

  constructor(
    private readonly reply: FastifyReply,
    readonly contract: S,
  ) {}

  get isOpen(): boolean {
    return this.opened;
  }

  /** One event; `message` is written without an `event:` line (the SSE default, as OpenAI's clients expect). */
  send<E extends keyof EventData<S> & string>(event: E, data: EventData<S>[E]): void {
    // JSON data: one line, whatever newlines or carriage returns the text holds.
    this.write(`${event === 'message' ? '' : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`);
  }

  /** The contract's last event, whose data is not JSON (OpenAI's `[DONE]`). */
  finish(): void {
    if (this.contract.end) this.write(`data: ${this.contract.end.data}\n\n`);
  }

  end(): void {
    const res = this.reply.raw;
    if (this.opened && !res.writableEnded && !res.destroyed) res.end();
  }

  private write(text: string): void {
    const res = this.reply.raw;
    if (!this.opened) {
      this.opened = true;
      this.reply.hijack();
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.flushHeaders();
    }
    if (!res.destroyed && !res.writableEnded) res.write(text);
  }
}

/**
 * A failure of a streaming request: rethrown while the stream is not open
 * (the error handler answers it as JSON), else the error body, which the
 * caller sends as the stream's error event. Internal errors are logged.
 */
export function streamFailure(stream: { readonly isOpen: boolean }, err: unknown, request: FastifyRequest, log: Logger): ErrorBody {
  if (!stream.isOpen) throw err;
  const { body, internal } = toErrorBody(err);
  if (internal) log.error(`${request.method} ${request.routeOptions.url ?? '?'} failed while streaming: ${(err as Error)?.stack ?? String(err)}`);
  return body;
}
