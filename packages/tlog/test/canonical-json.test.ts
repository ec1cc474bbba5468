import { describe, expect, test } from "vitest";
import { canonicalize } from "../src/portable/canonical-json";

function float64(hex: string): number {
  return Buffer.from(hex, "hex").readDoubleBE(0);
}

describe("canonicalize: literals", () => {
  test.each([
    [null, "null"],
    [true, "true"],
    [false, "false"],
    ["", '""'],
    [[], "[]"],
    [{}, "{}"],
  ])("%j → %s", (value, expected) => {
    expect(canonicalize(value)).toBe(expected);
  });
});

describe("canonicalize: object member order (RFC 8785 §3.2.3)", () => {
  test("sorts the RFC's non-ASCII example keys by UTF-16 code units", () => {
    const value = {
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis",
    };
    const expected =
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
      '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}';
    expect(canonicalize(value)).toBe(expected);
  });

  test("orders a supplementary-plane key (U+1F600, code unit 0xD83D) before U+FB33, unlike code-point order", () => {
    expect(canonicalize({ "\ufb33": 2, "\ud83d\ude00": 1 })).toBe('{"\ud83d\ude00":1,"\ufb33":2}');
  });

  test("orders upper case before lower case and shorter prefixes first", () => {
    expect(canonicalize({ b: 1, a: 2, B: 3, ab: 4, "": 5 })).toBe('{"":5,"B":3,"a":2,"ab":4,"b":1}');
  });

  test("sorts members at every level of nesting and keeps array order", () => {
    const value = { z: { y: [3, { d: 1, c: 2 }, 1], x: null }, a: [{ b: true, a: false }] };
    expect(canonicalize(value)).toBe('{"a":[{"a":false,"b":true}],"z":{"x":null,"y":[3,{"c":2,"d":1},1]}}');
  });

  test("emits no whitespace between tokens", () => {
    expect(canonicalize({ a: [1, 2], b: { c: "d e" } })).toBe('{"a":[1,2],"b":{"c":"d e"}}');
  });

  test("drops members whose value is undefined", () => {
    expect(canonicalize({ a: 1, b: undefined, c: { d: undefined } })).toBe('{"a":1,"c":{}}');
  });

  test("escapes quotes in member names", () => {
    expect(canonicalize({ 'a"b': 1 })).toBe('{"a\\"b":1}');
  });
});

describe("canonicalize: numbers (RFC 8785 §3.2.2.3)", () => {
  test.each([
    [1e30, "1e+30"],
    [4.5, "4.5"],
    [0.002, "0.002"],
    [-0, "0"],
    [1e-7, "1e-7"],
    [333333333.3333333, "333333333.3333333"],
    [0.000000000000000000000000001, "1e-27"],
    [1e21, "1e+21"],
    [1e20, "100000000000000000000"],
    [0.000001, "0.000001"],
    [-1.5, "-1.5"],
    [42, "42"],
  ])("%s → %s", (value, expected) => {
    expect(canonicalize(value)).toBe(expected);
  });

  test.each([
    ["0000000000000000", "0"],
    ["8000000000000000", "0"],
    ["0000000000000001", "5e-324"],
    ["8000000000000001", "-5e-324"],
    ["7fefffffffffffff", "1.7976931348623157e+308"],
    ["ffefffffffffffff", "-1.7976931348623157e+308"],
    ["4340000000000000", "9007199254740992"],
    ["c340000000000000", "-9007199254740992"],
    ["4430000000000000", "295147905179352830000"],
    ["44b52d02c7e14af5", "9.999999999999997e+22"],
    ["44b52d02c7e14af6", "1e+23"],
    ["44b52d02c7e14af7", "1.0000000000000001e+23"],
    ["444b1ae4d6e2ef4e", "999999999999999700000"],
    ["444b1ae4d6e2ef4f", "999999999999999900000"],
    ["444b1ae4d6e2ef50", "1e+21"],
    ["3eb0c6f7a0b5ed8c", "9.999999999999997e-7"],
    ["3eb0c6f7a0b5ed8d", "0.000001"],
    ["41b3de4355555553", "333333333.3333332"],
    ["41b3de4355555554", "333333333.33333325"],
    ["41b3de4355555555", "333333333.3333333"],
    ["41b3de4355555556", "333333333.3333334"],
    ["41b3de4355555557", "333333333.33333343"],
    ["becbf647612f3696", "-0.0000033333333333333333"],
    ["43143ff3c1cb0959", "1424953923781206.2"],
  ])("IEEE 754 0x%s → %s (RFC 8785 Appendix B)", (bits, expected) => {
    expect(canonicalize(float64(bits))).toBe(expected);
  });
});

describe("canonicalize: strings (RFC 8785 §3.2.2.2)", () => {
  test.each([
    ["\u0000", '"\\u0000"'],
    ["\u0001", '"\\u0001"'],
    ["\u000b", '"\\u000b"'],
    ["\u000f", '"\\u000f"'],
    ["\u001f", '"\\u001f"'],
    ["\b", '"\\b"'],
    ["\t", '"\\t"'],
    ["\n", '"\\n"'],
    ["\f", '"\\f"'],
    ["\r", '"\\r"'],
    ['"', '"\\""'],
    ["\\", '"\\\\"'],
    ["/", '"/"'],
    ["\u007f", '"\u007f"'],
    ["\u00e9", '"\u00e9"'],
    ["\u20ac", '"\u20ac"'],
    ["\u2028", '"\u2028"'],
    ["\ud83d\ude00", '"\ud83d\ude00"'],
  ])("%j is written as %s", (value, expected) => {
    expect(canonicalize(value)).toBe(expected);
  });

  test("writes control characters with lower-case hex digits", () => {
    expect(canonicalize("\u001a\u001b\u001c\u001d\u001e")).toBe('"\\u001a\\u001b\\u001c\\u001d\\u001e"');
  });
});

describe("canonicalize: RFC 8785 §3.2.4 worked example", () => {
  test("produces the RFC's output from its input text", () => {
    const input = String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`;
    const expected = String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"` + "\u20ac" + String.raw`$\u000f\nA'B\"\\\\\"/"}`;
    expect(canonicalize(JSON.parse(input))).toBe(expected);
  });

  test("output parses back to a value deep-equal to the input", () => {
    const value = { b: [1, "two", { three: 3 }], a: { "\u00f6": null, x: -0.5 } };
    expect(JSON.parse(canonicalize(value))).toEqual(value);
  });
});

describe("canonicalize: values JSON cannot hold", () => {
  test.each([
    ["NaN", NaN],
    ["Infinity", Infinity],
    ["-Infinity", -Infinity],
    ["a function", () => 1],
    ["a bigint", 10n],
    ["a symbol", Symbol("s")],
    ["undefined at the top level", undefined],
    ["NaN nested in an object", { a: { b: NaN } }],
    ["a function nested in an array", [1, () => 2]],
    ["a bigint as a member", { n: 1n }],
  ])("throws for %s", (_label, value) => {
    expect(() => canonicalize(value)).toThrow(TypeError);
  });

  test("throws for a Date rather than hashing it as an empty object", () => {
    expect(() => canonicalize({ at: new Date(0) })).toThrow(TypeError);
  });
});
