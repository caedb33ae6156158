import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { storedToChatMessages } from '../../chat/stored-conversation.js';
import { recordedExchange } from '../../testing/stored-conversations.js';
import { MessageList } from './message-list.js';

/**
 * Time budgets (ms) in jsdom, which renders several times slower than a browser, on a shared
 * machine: generous, but far below rendering all 2,000 messages of this conversation at once
 * (about 45 s here), which the list does not do: it renders its end, and earlier messages a step at a time.
 */
const OPEN_BUDGET_MS = 10_000;
const STEP_BUDGET_MS = 10_000;

describe('a 2,000-message conversation', () => {
  it('opens quickly (its last messages rendered), and shows earlier ones a step at a time', () => {
    // Each exchange: a question with an image and a document; an answer with thinking, an approval, a tool card with an image, markdown.
    const stored = Array.from({ length: 1000 }, (_, index) => recordedExchange(index)).flat();
    const started = performance.now();
    const messages = storedToChatMessages(stored, (id) => `/v1/conversations/c-big/blobs/${id}`);
    const converted = performance.now();
    render(<MessageList conversation={{ id: 'c-big', messages, firstIndex: 0 }} empty={null} />);
    const opened = performance.now();
    expect(screen.getAllByTestId('user-message')).toHaveLength(25);
    expect(screen.getByText('Question 999: show me the chart')).toBeInTheDocument();

    const steps: number[] = [];
    for (let step = 0; step < 3; step += 1) {
      const before = performance.now();
      fireEvent.click(screen.getByRole('button', { name: /^Show earlier messages/ }));
      steps.push(performance.now() - before);
    }
    expect(screen.getAllByTestId('user-message')).toHaveLength(100);
    expect(screen.getByRole('button', { name: 'Show earlier messages (1,800 more)' })).toBeInTheDocument();
    const openMs = opened - started;
    const stepMs = Math.max(...steps);
    console.info(
      `2,000 messages: converted in ${(converted - started).toFixed(0)} ms, opened (50 rendered) in ${(opened - converted).toFixed(0)} ms, ` +
        `each 50 more in ${steps.map((ms) => ms.toFixed(0)).join(' / ')} ms (jsdom)`,
    );
    expect(openMs).toBeLessThan(OPEN_BUDGET_MS);
    expect(stepMs).toBeLessThan(STEP_BUDGET_MS);
  }, 60_000);
});
