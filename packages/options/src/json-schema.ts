import type { OptionDescriptor, OptionTable } from './descriptor.js';

/** One option as a JSON-schema property (for ajv), with its default and its doc as the description. */
export function jsonSchemaProperty(name: string, d: OptionDescriptor): Record<string, unknown> {
  const range = { ...(d.min === undefined ? {} : { minimum: d.min }), ...(d.max === undefined ? {} : { maximum: d.max }) };
  const type = ((): Record<string, unknown> => {
    switch (d.kind) {
      case 'boolean':
        return { type: 'boolean' };
      case 'integer':
      case 'number':
        return { type: d.kind, ...range };
      case 'string':
        return { type: 'string', ...(d.pattern === undefined ? {} : { pattern: d.pattern }) };
      case 'enum':
        return { type: 'string', enum: [...(d.values ?? [])] };
      case 'list':
        return {
          type: 'array',
          items: { type: 'string', ...(d.values === undefined ? {} : { enum: [...d.values] }), ...(d.pattern === undefined ? {} : { pattern: d.pattern }) },
          ...(d.minItems === undefined ? {} : { minItems: d.minItems }),
        };
      case 'custom':
        throw new Error(`option "${name}" (${d.typeName ?? 'custom'}) has no JSON-schema form`);
    }
  })();
  return { ...type, ...(d.default === undefined ? {} : { default: d.default }), description: d.doc };
}

/** A flat object schema of the table: no other keys allowed. */
export function jsonSchema(table: OptionTable): { type: 'object'; additionalProperties: false; properties: Record<string, Record<string, unknown>> } {
  return {
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(Object.entries(table).map(([name, d]) => [name, jsonSchemaProperty(name, d)])),
  };
}
