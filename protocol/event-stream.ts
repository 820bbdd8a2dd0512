/**
 * Reading server-sent events (the framing of every stream the daemon
 * writes), on eventsource-parser. It lives in protocol/ because client code
 * (the typed client, the VS Code extension) may import only protocol/ and
 * core/; it imports nothing else of Cvu, and not TypeBox, so a client
 * bundle gets the parser alone.
 */
import { createParser, type EventSourceParser } from 'eventsource-parser';

/** One event: its name (`message` when the server names none) and its `data:` lines joined with newlines. */
export interface ServerSentEvent {
  event: string;
  data: string;
}

/** Server-sent events pushed as text in any chunking (a line may end with CRLF, LF or CR; comments are skipped). */
export class EventStreamParser {
  private readonly parser: EventSourceParser;

  constructor(onEvent: (event: ServerSentEvent) => void) {
    this.parser = createParser({ onEvent: (e) => onEvent({ event: e.event ?? 'message', data: e.data }) });
  }

  push(text: string): void {
    this.parser.feed(text);
  }

  /** The stream ended: an event whose blank line never came is dropped, as the SSE standard says. */
  end(): void {
    this.parser.reset({ consume: true });
  }
}

/** The events of a whole stream's text. */
export function parseEventStream(text: string): ServerSentEvent[] {
  const events: ServerSentEvent[] = [];
  const parser = new EventStreamParser((e) => events.push(e));
  parser.push(text);
  parser.end();
  return events;
}
