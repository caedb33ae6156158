import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppConfigFileSchema } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';

const examples = fileURLToPath(new URL('../../conf/examples/', import.meta.url));

describe('conf/examples', () => {
  it.each(readdirSync(examples).filter((name) => name.endsWith('.json')))('%s is a valid conf/config.json', (name) => {
    const parsed = AppConfigFileSchema.safeParse(JSON.parse(readFileSync(join(examples, name), 'utf8')));
    expect(parsed.error?.issues ?? []).toEqual([]);
  });
});
