import { describe, expect, it } from 'vitest';
import { toolAnswer, toolCall, userText as user } from '@bedrock-mcp/test-support';
import type { ConverseMessage } from '@bedrock-mcp/contracts';
import { keepRecentToolImages, OMITTED_IMAGE_TEXT } from './keep-recent-tool-images.js';

describe('keepRecentToolImages', () => {
  it('keeps the newest n tool-result images and replaces older ones with text', () => {
    const messages = [user('q'), toolCall('a'), toolAnswer('a', 2), toolCall('b'), toolAnswer('b', 2)];
    const kept = keepRecentToolImages(messages, 3);
    const images = kept.flatMap((message) => message.content.flatMap((block) => ('toolResult' in block ? block.toolResult.content : [])));
    expect(images.map((part) => ('image' in part ? `img:${part.image.bytes}` : 'text' in part ? part.text : ''))).toEqual([
      'a',
      OMITTED_IMAGE_TEXT,
      'img:a',
      'b',
      'img:b',
      'img:b',
    ]);
    expect(keepRecentToolImages(messages, 0).flatMap((m) => m.content).some((b) => 'toolResult' in b && b.toolResult.content.some((p) => 'image' in p))).toBe(false);
  });

  it('does not touch images the user sent', () => {
    const withUserImage: ConverseMessage[] = [{ role: 'user', content: [{ image: { format: 'png', bytes: 'u' } }, { text: 'look' }] }];
    expect(keepRecentToolImages(withUserImage, 0)).toEqual(withUserImage);
  });
});
