// The Python SDK's typed shapes (packages/sdk-python/src/gatehouse/models.py), generated from the OpenAPI
// document by `npm run openapi` as the TypeScript SDK's wire types are, so that they cannot drift.
//
// Every object schema becomes a TypedDict whose `__required_keys__` and `__optional_keys__` are the
// schema's at runtime on Python 3.10 (a required base and a `total=False` class, no NotRequired; keys
// such as `from` in functional-syntax bases), and every other component a type alias. An inline object is named after where it sits: a property
// `reportOnly` of `ActionResult` → `ActionResultReportOnly`, the items of an array → `…Item`, the values
// of a map → `…Value`, a member of a union of objects → its discriminating constant (`AuditEntryActionDecided`),
// else the key only it requires (`ConditionRate`), else its position.
// packages/sdk-python/tests/test_models_contract.py walks the document with the same rules.

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: boolean | Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  $ref?: string;
  description?: string;
}

interface Field {
  key: string;
  type: string;
  description: string | undefined;
  required: boolean;
}

const PYTHON_KEYWORDS = new Set(
  "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield".split(
    " ",
  ),
);
const PRIMITIVES: Record<string, string> = { string: "str", integer: "int", number: "float", boolean: "bool", null: "None" };
const INDENT = "    ";

const isIdentifier = (key: string) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) && !PYTHON_KEYWORDS.has(key);
const pascal = (text: string) =>
  text
    .split(/[^A-Za-z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
const oneLine = (text: string | undefined) => text?.replace(/\s+/g, " ").trim() || undefined;
/** A Python string literal, in double quotes unless single ones spare escapes. */
const pyString = (text: string) => (text.includes('"') && !text.includes("'") && !text.includes("\\") ? `'${text}'` : JSON.stringify(text));
/** A one-line docstring; a quote that would end it early is escaped. */
const docstring = (text: string, indent: string) => `${indent}"""${text.replaceAll("\\", "\\\\").replace(/"(?="|$)/g, '\\"')}"""`;

function literal(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "boolean") return value ? "True" : "False";
  if (value === null) return "None";
  if (typeof value === "number") return String(value);
  throw new Error(`models.py: no Python literal for ${JSON.stringify(value)}`);
}

/** A schema that becomes a TypedDict: one that lists its properties. */
const isTypedDict = (schema: Schema) => schema.properties !== undefined && (schema.type === undefined || schema.type === "object");

/** The names of a union's inline objects, in order: see the top of this file. */
function variantNames(name: string, objects: Schema[]): string[] {
  if (objects.length === 1) return [name];
  const constants = (key: string) => objects.map((object) => object.properties?.[key]?.const);
  const discriminator = Object.keys(objects[0]?.properties ?? {}).find((key) => {
    const values = constants(key);
    return values.every((value) => typeof value === "string") && new Set(values).size === values.length;
  });
  if (discriminator) return constants(discriminator).map((value) => name + pascal(String(value)));
  return objects.map((object, index) => {
    const others = new Set(objects.flatMap((other) => (other === object ? [] : (other.required ?? []))));
    const own = (object.required ?? []).find((key) => !others.has(key));
    return name + (own ? pascal(own) : String(index + 1));
  });
}

/** The text of models.py for an OpenAPI document (its `components.schemas`). */
export function pythonModels(document: object): string {
  const schemas = (document as { components: { schemas: Record<string, Schema> } }).components.schemas;
  const classes = new Map<string, string>();
  const aliases = new Map<string, { type: string; description: string | undefined }>();
  const imports = new Set<string>();

  function claim(name: string) {
    if (classes.has(name) || aliases.has(name)) throw new Error(`models.py: two schemas would both be named ${name}; name one differently in scripts/openapi-python.ts`);
  }

  /** The Python type of a schema; inline objects become classes named `name`. */
  function typeOf(schema: Schema, name: string): string {
    if (schema.$ref) return schema.$ref.replace("#/components/schemas/", "");
    if (schema.const !== undefined || schema.enum) {
      imports.add("Literal");
      return `Literal[${(schema.enum ?? [schema.const]).map(literal).join(", ")}]`;
    }
    const members = schema.anyOf ?? schema.oneOf;
    if (members) {
      const names = variantNames(name, members.filter(isTypedDict));
      return union(members.map((member) => typeOf(member, isTypedDict(member) ? (names.shift() as string) : name)));
    }
    if (Array.isArray(schema.type)) return union(schema.type.map((type) => typeOf({ ...schema, type }, name)));
    if (schema.type === "array") return `list[${schema.items ? typeOf(schema.items, `${name}Item`) : any()}]`;
    if (schema.type !== undefined && schema.type !== "object") return PRIMITIVES[schema.type] ?? any();
    if (isTypedDict(schema)) {
      defineClass(name, schema);
      return name;
    }
    if (schema.type === "object") {
      const values = schema.additionalProperties;
      return `dict[str, ${typeof values === "object" ? typeOf(values, `${name}Value`) : any()}]`;
    }
    return any();
  }

  function any() {
    imports.add("Any");
    return "Any";
  }

  const union = (types: string[]) => [...new Set(types)].join(" | ");

  function defineClass(name: string, schema: Schema) {
    claim(name);
    imports.add("TypedDict");
    const required = new Set(schema.required ?? []);
    const fields = Object.entries(schema.properties ?? {}).map(([key, property]): Field => ({
      key,
      type: typeOf(property, name + pascal(key)),
      description: oneLine(property.description),
      required: required.has(key),
    }));
    const part = (isRequired: boolean, identifiers: boolean) => fields.filter((field) => field.required === isRequired && isIdentifier(field.key) === identifiers);
    const [requiredKeys, optionalKeys] = [part(true, true), part(false, true)];
    const blocks: string[] = [];
    const bases: string[] = [];
    // Keys that are not identifiers can only be declared by the functional syntax, in private bases.
    for (const [suffix, keys, total] of [
      ["RequiredKeys", part(true, false), true],
      ["OptionalKeys", part(false, false), false],
    ] as const) {
      if (keys.length === 0) continue;
      blocks.push(functional(`_${name}${suffix}`, keys, total));
      bases.push(`_${name}${suffix}`);
    }
    // The class itself declares the optional keys (total=False) when there are any, else the required ones.
    if (optionalKeys.length > 0 && requiredKeys.length > 0) {
      blocks.push(classBlock(`_${name}Required`, ["TypedDict"], undefined, requiredKeys));
      bases.unshift(`_${name}Required`);
    }
    const heads = bases.length > 0 ? bases : ["TypedDict"];
    const description = oneLine(schema.description);
    blocks.push(optionalKeys.length > 0 ? classBlock(name, [...heads, "total=False"], description, optionalKeys) : classBlock(name, heads, description, requiredKeys));
    classes.set(name, blocks.join("\n\n\n"));
  }

  function classBlock(name: string, heads: string[], description: string | undefined, fields: Field[]): string {
    const lines = [`class ${name}(${heads.join(", ")}):`];
    if (description) lines.push(docstring(description, INDENT));
    for (const field of fields) {
      lines.push(`${INDENT}${field.key}: ${field.type}`);
      if (field.description) lines.push(docstring(field.description, INDENT));
    }
    if (lines.length === 1) lines.push(`${INDENT}pass`);
    return lines.join("\n");
  }

  // The functional syntax is evaluated at import, so its types are quoted: they may name later classes.
  function functional(name: string, fields: Field[], total: boolean): string {
    const entries = fields.flatMap((field) => [
      ...(field.description ? [`${INDENT}${INDENT}# ${field.description}`] : []),
      `${INDENT}${INDENT}${JSON.stringify(field.key)}: ${pyString(field.type)},`,
    ]);
    return [`${name} = TypedDict(`, `${INDENT}"${name}",`, `${INDENT}{`, ...entries, `${INDENT}},`, ...(total ? [] : [`${INDENT}total=False,`]), ")"].join("\n");
  }

  for (const [name, schema] of Object.entries(schemas)) {
    if (isTypedDict(schema)) defineClass(name, schema);
    else {
      const type = typeOf(schema, name);
      claim(name);
      aliases.set(name, { type, description: oneLine(schema.description) });
    }
  }

  // Aliases are evaluated at import: each comes after the aliases it names.
  const aliasBlocks: string[] = [];
  const written = new Set<string>();
  const writeAlias = (name: string) => {
    const alias = aliases.get(name);
    if (!alias || written.has(name)) return;
    written.add(name);
    for (const word of alias.type.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []) writeAlias(word);
    aliasBlocks.push([`${name}: TypeAlias = ${alias.type}`, ...(alias.description ? [docstring(alias.description, "")] : [])].join("\n"));
  };
  if (aliases.size > 0) imports.add("TypeAlias");
  for (const name of [...aliases.keys()].sort()) writeAlias(name);

  const header = [
    "# Generated by `npm run openapi` from docs/openapi.json. Do not edit.",
    '"""The API\'s JSON shapes: a TypedDict per object schema of docs/openapi.json, an alias per other schema."""',
    "",
    "from __future__ import annotations",
    "",
    `from typing import ${[...imports].sort().join(", ")}`,
  ].join("\n");
  const definitions = [...[...classes.keys()].sort().map((name) => classes.get(name) as string), ...aliasBlocks];
  return `${[header, ...definitions].join("\n\n\n")}\n`;
}
