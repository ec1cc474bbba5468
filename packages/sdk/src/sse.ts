/**
 * A parser of server-sent events as the HTML standard defines them ("Parsing an event stream"):
 * UTF-8 with an optional BOM; lines end in CRLF, LF or CR; `:` starts a comment; `field: value`
 * with one leading space dropped from the value; `data` lines accumulate; a blank line dispatches.
 * It is fed bytes as they arrive, so chunks may split lines, CRLF pairs and characters anywhere.
 */

/** One dispatched message. */
export interface SseMessage {
  /** The last event id at dispatch: this message's `id:`, or the latest one before it. */
  id: string;
  /** The `event:` field; `"message"` when absent. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
}

export class SseParser {
  readonly #decoder = new TextDecoder("utf-8");
  /** The unfinished line carried over from the previous chunk. */
  #line = "";
  /** The previous chunk ended in CR: an LF starting the next one belongs to the same line break. */
  #afterCR = false;
  #data = "";
  #event = "";
  #idBuffer: string;
  #lastEventId: string;
  #retry: number | undefined;

  /** `lastEventId`: the id already seen (the stream's `Last-Event-ID`), kept until the stream sets another. */
  constructor(lastEventId = "") {
    this.#idBuffer = lastEventId;
    this.#lastEventId = lastEventId;
  }

  /** The id of the last dispatched event (set only on dispatch, so an event cut off mid-way does not count). */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** The reconnection time the server asked for with `retry:`, in ms. */
  get retry(): number | undefined {
    return this.#retry;
  }

  /** Reads the next bytes; returns the messages they complete. */
  feed(chunk: Uint8Array): SseMessage[] {
    let text = this.#decoder.decode(chunk, { stream: true });
    if (text === "") return [];
    if (this.#afterCR && text.startsWith("\n")) text = text.slice(1);
    this.#afterCR = false;

    const messages: SseMessage[] = [];
    const breaks = /\r\n|\r|\n/g;
    let start = 0;
    for (let match = breaks.exec(text); match !== null; match = breaks.exec(text)) {
      const line = this.#line + text.slice(start, match.index);
      this.#line = "";
      start = match.index + match[0].length;
      if (match[0] === "\r" && start === text.length) this.#afterCR = true;
      const message = this.#processLine(line);
      if (message !== undefined) messages.push(message);
    }
    this.#line += text.slice(start);
    return messages;
  }

  #processLine(line: string): SseMessage | undefined {
    if (line === "") return this.#dispatch();
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        this.#event = value;
        break;
      case "data":
        this.#data += `${value}\n`;
        break;
      case "id":
        if (!value.includes("\0")) this.#idBuffer = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.#retry = Number(value);
        break;
      default:
        break;
    }
    return undefined;
  }

  #dispatch(): SseMessage | undefined {
    this.#lastEventId = this.#idBuffer;
    const data = this.#data;
    const event = this.#event;
    this.#data = "";
    this.#event = "";
    if (data === "") return undefined;
    return { id: this.#lastEventId, event: event === "" ? "message" : event, data: data.slice(0, -1) };
  }
}
