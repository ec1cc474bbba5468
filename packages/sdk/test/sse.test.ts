import { describe, expect, it } from "vitest";
import { SseParser, type SseMessage } from "../src/sse.ts";

const encoder = new TextEncoder();

function parse(text: string | Uint8Array, lastEventId?: string): { messages: SseMessage[]; parser: SseParser } {
  const parser = new SseParser(lastEventId);
  const messages = parser.feed(typeof text === "string" ? encoder.encode(text) : text);
  return { messages, parser };
}

describe("SseParser", () => {
  it.each<[string, string, SseMessage[]]>([
    ["one event", "id: 1\nevent: action.executed\ndata: {}\n\n", [{ id: "1", event: "action.executed", data: "{}" }]],
    ["no event field: message", "data: x\n\n", [{ id: "", event: "message", data: "x" }]],
    ["data lines joined with LF", "data: a\ndata: b\ndata:\n\n", [{ id: "", event: "message", data: "a\nb\n" }]],
    ["only one leading space dropped", "data:  two\n\n", [{ id: "", event: "message", data: " two" }]],
    ["no space after the colon", "data:x\n\n", [{ id: "", event: "message", data: "x" }]],
    ["a field without a colon has an empty value", "data\ndata\n\n", [{ id: "", event: "message", data: "\n" }]],
    ["a colon in the value is kept", "data: a: b\n\n", [{ id: "", event: "message", data: "a: b" }]],
    ["comments ignored", ": ping\ndata: x\n: more\n\n", [{ id: "", event: "message", data: "x" }]],
    ["a comment alone dispatches nothing", ": ping\n\n", []],
    ["unknown fields ignored", "foo: bar\ndata: x\n\n", [{ id: "", event: "message", data: "x" }]],
    ["CRLF line endings", "id: 7\r\nevent: e\r\ndata: x\r\n\r\n", [{ id: "7", event: "e", data: "x" }]],
    ["CR line endings", "id: 7\revent: e\rdata: x\r\r", [{ id: "7", event: "e", data: "x" }]],
    ["mixed line endings", "id: 7\revent: e\r\ndata: x\n\r\n", [{ id: "7", event: "e", data: "x" }]],
    ["no data: nothing dispatched", "id: 3\nevent: e\n\n", []],
    ["an unfinished event is not dispatched", "data: x\n", []],
    ["an unfinished line is not processed", "data: x", []],
    [
      "the id carries over to later events",
      "id: 4\ndata: a\n\ndata: b\n\n",
      [
        { id: "4", event: "message", data: "a" },
        { id: "4", event: "message", data: "b" },
      ],
    ],
    [
      "an empty id resets it",
      "id: 4\ndata: a\n\nid\ndata: b\n\n",
      [
        { id: "4", event: "message", data: "a" },
        { id: "", event: "message", data: "b" },
      ],
    ],
    [
      "an id with NUL is ignored",
      "id: 4\ndata: a\n\nid: 5\u0000\ndata: b\n\n",
      [
        { id: "4", event: "message", data: "a" },
        { id: "4", event: "message", data: "b" },
      ],
    ],
    [
      "the event type resets after each dispatch",
      "event: e\ndata: a\n\ndata: b\n\n",
      [
        { id: "", event: "e", data: "a" },
        { id: "", event: "message", data: "b" },
      ],
    ],
    ["a leading BOM is dropped", "\uFEFFdata: x\n\n", [{ id: "", event: "message", data: "x" }]],
    ["field names are case-sensitive", "Data: x\ndata: y\n\n", [{ id: "", event: "message", data: "y" }]],
    ["non-ASCII text", "data: café ✓ 🚀\n\n", [{ id: "", event: "message", data: "café ✓ 🚀" }]],
  ])("%s", (_case, text, expected) => {
    expect(parse(text).messages).toEqual(expected);
  });

  it("starts from the given last event id", () => {
    expect(parse("data: x\n\n", "41").messages).toEqual([{ id: "41", event: "message", data: "x" }]);
  });

  it("moves lastEventId on a dispatch without data", () => {
    expect(parse("id: 9\n\n", "8").parser.lastEventId).toBe("9");
  });

  it("does not move lastEventId for an event cut off before its blank line", () => {
    expect(parse("id: 9\ndata: x\n", "8").parser.lastEventId).toBe("8");
  });

  it.each<[string, number | undefined]>([
    ["retry: 3000\n", 3000],
    ["retry: 3s\n", undefined],
    ["retry: -1\n", undefined],
  ])("reads %j as a reconnection time of %s", (text, retry) => {
    expect(parse(text).parser.retry).toBe(retry);
  });

  describe("split into chunks", () => {
    const stream = [
      "\uFEFF: hello\r\n",
      "retry: 1500\r\n",
      'id: 1\r\nevent: approval.requested\r\ndata: {"note":"café ✓"}\r\n\r\n',
      "id: 2\revent: approval.voted\rdata: a\rdata: b\r\r",
      ": ping\n",
      "id: 3\nevent: approval.decided\ndata: 🚀\n\n",
      "id: 4\ndata: cut",
    ].join("");
    const bytes = encoder.encode(stream);
    const expected: SseMessage[] = [
      { id: "1", event: "approval.requested", data: '{"note":"café ✓"}' },
      { id: "2", event: "approval.voted", data: "a\nb" },
      { id: "3", event: "approval.decided", data: "🚀" },
    ];

    function feedAll(chunks: Uint8Array[]): { messages: SseMessage[]; parser: SseParser } {
      const parser = new SseParser();
      const messages = chunks.flatMap((chunk) => parser.feed(chunk));
      return { messages, parser };
    }

    it("parses the stream whole", () => {
      expect(feedAll([bytes]).messages).toEqual(expected);
    });

    it.each(Array.from({ length: bytes.length - 1 }, (_, i) => i + 1))("parses it split at byte %i", (offset) => {
      const { messages, parser } = feedAll([bytes.subarray(0, offset), bytes.subarray(offset)]);
      expect([messages, parser.lastEventId, parser.retry]).toEqual([expected, "3", 1500]);
    });

    it("parses it one byte at a time", () => {
      const { messages } = feedAll(Array.from(bytes, (byte) => Uint8Array.of(byte)));
      expect(messages).toEqual(expected);
    });

    it("treats a CR at the end of one chunk and an LF at the start of the next as one line break", () => {
      const { messages } = feedAll([encoder.encode("data: a\r"), encoder.encode("\ndata: b\r"), encoder.encode("\n\r"), encoder.encode("\n")]);
      expect(messages).toEqual([{ id: "", event: "message", data: "a\nb" }]);
    });

    it("keeps a CR and an LF one line break across an empty chunk", () => {
      const { messages } = feedAll([encoder.encode("data: a\r"), new Uint8Array(0), encoder.encode("\ndata: b\n\n")]);
      expect(messages).toEqual([{ id: "", event: "message", data: "a\nb" }]);
    });

    it("decodes a character split across chunks", () => {
      const rocket = encoder.encode("🚀");
      const { messages } = feedAll([encoder.encode("data: "), rocket.subarray(0, 1), rocket.subarray(1, 3), rocket.subarray(3), encoder.encode("\n\n")]);
      expect(messages).toEqual([{ id: "", event: "message", data: "🚀" }]);
    });
  });
});
