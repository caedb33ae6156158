import type { VoiceServerFrame } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { SONIC_INTERRUPTED_MARKER, type SonicGenerationStage, type SonicOutputEvent } from './sonic-protocol.js';
import { TranscriptTracker } from './transcript-tracker.js';
import type { VoiceTurn } from './voice-turn.js';

function setup() {
  const frames: VoiceServerFrame[] = [];
  const transcripts: VoiceTurn[] = [];
  const tracker = new TranscriptTracker({ frame: (frame) => frames.push(frame), transcript: (turn) => transcripts.push(turn) }, 's1');
  let next = 0;
  const text = (role: 'USER' | 'ASSISTANT', stage: SonicGenerationStage, content: string, stopReason = 'PARTIAL_TURN'): void => {
    const contentId = `c${(next += 1)}`;
    const events: SonicOutputEvent[] = [
      { kind: 'contentStart', contentId, type: 'TEXT', role, stage },
      { kind: 'textOutput', contentId, role, content },
      { kind: 'contentEnd', contentId, type: 'TEXT', stopReason },
    ];
    for (const event of events) tracker.handle(event);
  };
  const other = (event: SonicOutputEvent) => tracker.handle(event);
  const texts = () => frames.filter((frame) => frame.type === 'text').map((frame) => [frame.utteranceId, frame.content, frame.final]);
  return { tracker, frames, transcripts, text, other, texts };
}

describe('TranscriptTracker', () => {
  it('shows an answer speculatively, then replaces it in place sentence by sentence with what was spoken', () => {
    const { text, texts, transcripts, tracker } = setup();
    text('USER', 'FINAL', 'how are you');
    expect(tracker.busy).toBe(true);
    text('ASSISTANT', 'SPECULATIVE', 'I am fine.');
    text('ASSISTANT', 'SPECULATIVE', 'Thanks for asking.');
    text('ASSISTANT', 'FINAL', 'I am fine.');
    text('ASSISTANT', 'FINAL', 'Thanks for asking.', 'END_TURN');

    expect(texts()).toEqual([
      ['s1-u1', 'how are you', true],
      ['s1-a2', 'I am fine.', false],
      ['s1-a2', 'I am fine. Thanks for asking.', false],
      ['s1-a2', 'I am fine. Thanks for asking.', true],
    ]);
    expect(transcripts).toEqual([
      { role: 'user', text: 'how are you' },
      { role: 'assistant', text: 'I am fine. Thanks for asking.' },
    ]);
    expect(tracker.busy).toBe(false);
  });

  it('signals a barge-in once although Sonic reports it twice, and keeps only what was spoken', () => {
    const { text, other, frames, transcripts, texts } = setup();
    text('USER', 'FINAL', 'tell me a story');
    text('ASSISTANT', 'SPECULATIVE', 'Once upon a time.');
    text('ASSISTANT', 'SPECULATIVE', 'There was a dragon.');
    text('ASSISTANT', 'FINAL', 'Once upon a time.');
    other({ kind: 'contentStart', contentId: 'audio', type: 'AUDIO', role: 'ASSISTANT', stage: undefined });
    other({ kind: 'contentEnd', contentId: 'audio', type: 'AUDIO', stopReason: 'INTERRUPTED' });
    text('ASSISTANT', 'FINAL', SONIC_INTERRUPTED_MARKER, 'INTERRUPTED');
    text('USER', 'FINAL', 'stop');

    expect(frames.filter((frame) => frame.type === 'interrupted')).toHaveLength(1);
    expect(texts().some(([, content]) => String(content).includes('interrupted'))).toBe(false);
    expect(transcripts).toEqual([
      { role: 'user', text: 'tell me a story' },
      { role: 'assistant', text: 'Once upon a time.' },
      { role: 'user', text: 'stop' },
    ]);
  });

  it('splits the answer around a tool call and stays busy until the answer ends', () => {
    const { text, other, transcripts, tracker } = setup();
    text('USER', 'FINAL', 'echo hi');
    text('ASSISTANT', 'FINAL', 'Let me check.');
    other({ kind: 'contentStart', contentId: 'tool', type: 'TOOL', role: 'TOOL', stage: undefined });
    other({ kind: 'contentEnd', contentId: 'tool', type: 'TOOL', stopReason: 'TOOL_USE' });
    expect(tracker.busy).toBe(true);
    text('ASSISTANT', 'FINAL', 'It said hi.', 'END_TURN');
    expect(transcripts.map((turn) => turn.text)).toEqual(['echo hi', 'Let me check.', 'It said hi.']);
    expect(tracker.busy).toBe(false);
  });

  it('on flush hands over unfinished utterances, the plan when nothing was final yet', () => {
    const { text, transcripts, tracker } = setup();
    text('USER', 'FINAL', 'question');
    text('ASSISTANT', 'SPECULATIVE', 'A planned answer.');
    tracker.flush();
    expect(transcripts).toEqual([
      { role: 'user', text: 'question' },
      { role: 'assistant', text: 'A planned answer.' },
    ]);
    expect(tracker.busy).toBe(false);
    tracker.flush();
    expect(transcripts).toHaveLength(2);
  });

  it('ignores text of unknown roles and empty text', () => {
    const { other, frames, transcripts } = setup();
    other({ kind: 'textOutput', contentId: 'x', role: 'TOOL', content: 'ignored' });
    other({ kind: 'contentStart', contentId: 'y', type: 'TEXT', role: 'USER', stage: 'FINAL' });
    other({ kind: 'textOutput', contentId: 'y', content: '   ' });
    expect(frames).toEqual([]);
    expect(transcripts).toEqual([]);
  });
});
