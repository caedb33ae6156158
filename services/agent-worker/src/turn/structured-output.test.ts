import { describe, expect, it } from 'vitest';
import { structuredOutputToolOf, takeStructuredAnswer } from './structured-output.js';

const jsonSchema = { type: 'json_schema' as const, json_schema: { name: 'weather_report', schema: { type: 'object', properties: { celsius: { type: 'number' } } } } };

describe('structured output on Bedrock', () => {
  it('is a tool with the schema as its input, for Bedrock and json_schema only', () => {
    expect(structuredOutputToolOf({ responseFormat: jsonSchema }, 'bedrock')).toMatchObject({ name: 'weather_report', inputSchema: jsonSchema.json_schema.schema });
    expect(structuredOutputToolOf({ responseFormat: jsonSchema }, 'openai')).toBeUndefined();
    expect(structuredOutputToolOf({ responseFormat: { type: 'json_object' } }, 'bedrock')).toBeUndefined();
    expect(structuredOutputToolOf({}, 'bedrock')).toBeUndefined();
  });

  it('turns the call into the JSON text of the message, dropping the text and other calls around it', () => {
    const taken = takeStructuredAnswer(
      {
        role: 'assistant',
        content: [
          { text: 'Here it is.' },
          { toolUse: { toolUseId: 't1', name: 'everything__echo', input: {} } },
          { toolUse: { toolUseId: 't2', name: 'weather_report', input: { celsius: 18 } } },
        ],
      },
      'weather_report',
    );
    expect(taken).toEqual({ message: { role: 'assistant', content: [{ text: '{"celsius":18}' }] }, json: '{"celsius":18}' });
    expect(takeStructuredAnswer({ role: 'assistant', content: [{ text: 'no call' }] }, 'weather_report')).toBeUndefined();
  });
});
