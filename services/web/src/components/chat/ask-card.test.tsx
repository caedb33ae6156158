import type { ApprovalAsk, ElicitationAsk, TurnAnswersInput } from '@bedrock-mcp/contracts';
import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { AnswerError } from '../../api/chat-socket.js';
import type { AskBlock } from '../../chat/turn-reducer.js';
import { AskCard } from './ask-card.js';
import { AssistantMessage } from './assistant-message.js';
import { approvalAsk } from '../../testing/asks.js';
import type { TurnState } from '../../chat/turn-reducer.js';

const approval = approvalAsk({ input: { message: 'hello', nested: { deep: [1, 2] } } });
const block = (ask: ApprovalAsk | ElicitationAsk, extra: Partial<AskBlock> = {}): AskBlock => ({
  kind: 'ask',
  id: `ask-${ask.id}`,
  round: 1,
  ask,
  expiresAt: Date.now() + 5 * 60_000,
  ...extra,
});

function setup(ask: ApprovalAsk | ElicitationAsk = approval, options: { reject?: Error; extra?: Partial<AskBlock>; turnActive?: boolean } = {}) {
  const sent: TurnAnswersInput[] = [];
  const onAnswer = vi.fn(async (answers: TurnAnswersInput) => {
    sent.push(answers);
    if (options.reject) throw options.reject;
  });
  const view = render(<AskCard block={block(ask, options.extra)} turnActive={options.turnActive ?? true} takeFocus onAnswer={onAnswer} />);
  const rerender = (extra: Partial<AskBlock>) =>
    view.rerender(<AskCard block={block(ask, { ...options.extra, ...extra })} turnActive={options.turnActive ?? true} takeFocus onAnswer={onAnswer} />);
  return { sent, onAnswer, rerender, user: userEvent.setup() };
}

describe('AskCard: an approval', () => {
  it('shows tool, server, reason, pretty arguments and a countdown, announces itself and takes the focus', () => {
    setup();
    const card = screen.getByRole('region', { name: 'Approval for echo on everything' });
    expect(card).toHaveFocus();
    expect(within(card).getByText('everything')).toBeInTheDocument();
    expect(within(card).getByText('echo')).toBeInTheDocument();
    expect(within(card).getByText(approval.reason)).toBeInTheDocument();
    expect(within(card).getByTestId('ask-arguments').textContent).toBe(JSON.stringify(approval.input, null, 2));
    expect(within(card).getByText(/^expires in 5:00$|^expires in 4:59$/)).toBeInTheDocument();
    expect(within(card).getByRole('alert')).toHaveTextContent('Waiting for you: approve or deny echo on everything.');
  });

  it('keyboard: Tab from the card reaches Approve, Enter sends the approval; the outcome replaces the buttons', async () => {
    const { sent, user, rerender } = setup();
    await user.tab();
    expect(screen.getByRole('button', { name: 'Approve' })).toHaveFocus();
    await user.keyboard('{Enter}');
    expect(sent).toEqual([{ approvals: [{ id: 'ask_approve0001', decision: 'approve' }] }]);
    expect(screen.queryByRole('button', { name: 'Approve' })).toBeNull();
    expect(screen.getByRole('status')).toHaveTextContent('Answer sent (approved)');
    expect(screen.getByText(/^expires in/)).toBeInTheDocument();
    rerender({ outcome: 'approved' });
    expect(screen.getByTestId('ask-outcome')).toHaveTextContent('Approved');
    expect(screen.queryByText(/^expires in/)).toBeNull();
  });

  it('Space on Deny denies; "Always for this conversation" approves and remembers', async () => {
    const first = setup();
    await first.user.tab();
    await first.user.tab();
    expect(screen.getByRole('button', { name: 'Deny' })).toHaveFocus();
    await first.user.keyboard(' ');
    expect(first.sent).toEqual([{ approvals: [{ id: 'ask_approve0001', decision: 'deny' }] }]);
    first.rerender({ outcome: 'denied' });
    expect(screen.getByTestId('ask-outcome')).toHaveTextContent('Denied');
  });

  it('"Always for this conversation" sends remember: conversation', async () => {
    const { sent, user, rerender } = setup();
    await user.click(screen.getByRole('button', { name: 'Always for this conversation' }));
    expect(sent).toEqual([{ approvals: [{ id: 'ask_approve0001', decision: 'approve', remember: 'conversation' }] }]);
    rerender({ outcome: 'approved' });
    expect(screen.getByTestId('ask-outcome')).toHaveTextContent('Approved, and for the rest of this conversation');
  });

  it('edited arguments are checked as a JSON object before they are sent, with a message to the model', async () => {
    const { sent, user } = setup();
    await user.click(screen.getByRole('button', { name: 'Edit arguments' }));
    const editor = screen.getByRole('textbox', { name: 'Arguments (JSON), used when you approve' });
    await user.clear(editor);
    await user.type(editor, '[[1');
    expect(editor).toHaveAttribute('aria-invalid', 'true');
    expect(editor).toHaveAccessibleDescription(/^Not valid JSON/);
    await user.click(screen.getByRole('button', { name: 'Approve' }));
    expect(sent).toEqual([]);
    expect(editor).toHaveFocus();
    await user.clear(editor);
    await user.type(editor, '[[1]');
    expect(editor).toHaveAccessibleDescription('The arguments must be a JSON object ({ … }).');
    await user.clear(editor);
    await user.type(editor, '{{"message": "edited"}');
    expect(editor).toHaveAttribute('aria-invalid', 'false');
    await user.click(screen.getByRole('button', { name: 'Add a message to the model' }));
    await user.type(screen.getByRole('textbox', { name: 'Message to the model (optional)' }), 'Say it politely.');
    await user.click(screen.getByRole('button', { name: 'Approve' }));
    expect(sent).toEqual([{ approvals: [{ id: 'ask_approve0001', decision: 'approve', arguments: { message: 'edited' }, message: 'Say it politely.' }] }]);
  });

  it('unchanged arguments in the editor are not sent as edited', async () => {
    const { sent, user } = setup();
    await user.click(screen.getByRole('button', { name: 'Edit arguments' }));
    await user.click(screen.getByRole('button', { name: 'Approve' }));
    expect(sent).toEqual([{ approvals: [{ id: 'ask_approve0001', decision: 'approve' }] }]);
  });

  it('shows why the gateway refused the answer, and lets the person try again', async () => {
    const { sent, user } = setup(approval, { reject: new AnswerError('conflict', 'The ask expired') });
    await user.click(screen.getByRole('button', { name: 'Approve' }));
    expect(await screen.findByText('The answer did not go through: The ask expired')).toHaveAttribute('role', 'alert');
    expect(screen.getByRole('button', { name: 'Approve' })).toBeEnabled();
    expect(sent).toHaveLength(1);
  });

  it('folds long arguments behind a button', async () => {
    const long = { ...approval, input: Object.fromEntries(Array.from({ length: 20 }, (_, index) => [`key${index}`, index])) };
    const { user } = setup(long);
    const args = screen.getByTestId('ask-arguments');
    expect(args.textContent?.split('\n')).toHaveLength(9);
    const toggle = screen.getByRole('button', { name: 'Show all 22 lines' });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await user.click(toggle);
    expect(args.textContent?.split('\n')).toHaveLength(22);
  });

  it('offers no buttons once the answer ended without an answer, nor after an expiry', () => {
    setup(approval, { turnActive: false });
    expect(screen.queryByRole('button', { name: 'Approve' })).toBeNull();
    expect(screen.getByRole('status')).toHaveTextContent('Not answered: the answer ended.');
  });

  it('counts down to the expiry', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    try {
      render(<AskCard block={block(approval, { expiresAt: 1_000_000 + 65_000 })} turnActive takeFocus={false} onAnswer={async () => undefined} />);
      expect(screen.getByText('expires in 1:05')).toBeInTheDocument();
      act(() => vi.advanceTimersByTime(10_000));
      expect(screen.getByText('expires in 0:55')).toBeInTheDocument();
      act(() => vi.advanceTimersByTime(60_000));
      expect(screen.getByText('time is up')).toBeInTheDocument();
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not take the focus from someone typing a message', () => {
    const composer = document.createElement('textarea');
    document.body.append(composer);
    composer.value = 'half a sentence';
    composer.focus();
    try {
      render(<AskCard block={block(approval)} turnActive takeFocus onAnswer={async () => undefined} />);
      expect(composer).toHaveFocus();
    } finally {
      composer.remove();
    }
  });
});

const elicitation: ElicitationAsk = {
  kind: 'elicitation',
  id: 'ask_elicit00001',
  toolUseId: 't2',
  serverId: 'everything',
  message: 'Please provide inputs for the following fields:',
  requestedSchema: {
    type: 'object',
    properties: {
      name: { title: 'Name', type: 'string', description: 'Your full, legal name' },
      check: { title: 'Agree', type: 'boolean' },
      email: { title: 'Email', type: 'string', format: 'email' },
      integer: { title: 'Integer', type: 'integer', minimum: 1, maximum: 100, default: 42 },
      hero: { title: 'Hero', type: 'string', oneOf: [{ const: 'hero-1', title: 'Superman' }, { const: 'hero-2', title: 'Wonder Woman' }], default: 'hero-1' },
      fish: { title: 'Fish', type: 'array', items: { anyOf: [{ const: 'fish-1', title: 'Tuna' }, { const: 'fish-2', title: 'Salmon' }] } },
    },
    required: ['name'],
  },
};

describe('AskCard: an elicitation form', () => {
  it('renders the requested schema as labelled inputs of the right types, with defaults and hints', () => {
    setup(elicitation);
    const card = screen.getByRole('region', { name: 'Input requested by everything' });
    expect(within(card).getByText(elicitation.message)).toBeInTheDocument();
    const name = within(card).getByRole('textbox', { name: 'Name' });
    expect(name).toHaveAccessibleDescription('Your full, legal name');
    expect(name).toHaveAttribute('aria-required', 'true');
    expect(within(card).getByRole('checkbox', { name: 'Agree' })).not.toBeChecked();
    expect(within(card).getByRole('textbox', { name: 'Email' })).toHaveAttribute('type', 'email');
    expect(within(card).getByRole('spinbutton', { name: 'Integer' })).toHaveValue(42);
    expect(within(card).getByRole('combobox', { name: 'Hero' })).toHaveValue('hero-1');
    expect(within(within(card).getByRole('group', { name: 'Fish' })).getAllByRole('checkbox')).toHaveLength(2);
  });

  it('checks the form before sending: errors are shown on the fields and the first one gets the focus', async () => {
    const { sent, user } = setup(elicitation);
    await user.type(screen.getByRole('textbox', { name: 'Email' }), 'nope');
    await user.click(screen.getByRole('button', { name: 'Submit' }));
    expect(sent).toEqual([]);
    const name = screen.getByRole('textbox', { name: 'Name' });
    expect(name).toHaveFocus();
    expect(name).toHaveAttribute('aria-invalid', 'true');
    expect(name).toHaveAccessibleDescription('Your full, legal name Required.');
    expect(screen.getByRole('textbox', { name: 'Email' })).toHaveAccessibleDescription('Enter an email address, like name@example.com.');
  });

  it('submits typed content (accept)', async () => {
    const { sent, user, rerender } = setup(elicitation);
    await user.type(screen.getByRole('textbox', { name: 'Name' }), 'Ada');
    await user.click(screen.getByRole('checkbox', { name: 'Agree' }));
    await user.type(screen.getByRole('textbox', { name: 'Email' }), 'ada@example.com');
    const integer = screen.getByRole('spinbutton', { name: 'Integer' });
    await user.clear(integer);
    await user.type(integer, '7');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Hero' }), 'Wonder Woman');
    await user.click(screen.getByRole('checkbox', { name: 'Salmon' }));
    await user.click(screen.getByRole('button', { name: 'Submit' }));
    expect(sent).toEqual([
      { elicitations: [{ id: 'ask_elicit00001', action: 'accept', content: { name: 'Ada', check: true, email: 'ada@example.com', integer: 7, hero: 'hero-2', fish: ['fish-2'] } }] },
    ]);
    rerender({ outcome: 'accepted' });
    expect(screen.getByTestId('ask-outcome')).toHaveTextContent('Submitted');
    expect(screen.queryByRole('button', { name: 'Submit' })).toBeNull();
  });

  it('declines and cancels without content', async () => {
    const declined = setup(elicitation);
    await declined.user.click(screen.getByRole('button', { name: 'Decline' }));
    expect(declined.sent).toEqual([{ elicitations: [{ id: 'ask_elicit00001', action: 'decline' }] }]);
  });

  it('cancels', async () => {
    const cancelled = setup(elicitation);
    await cancelled.user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(cancelled.sent).toEqual([{ elicitations: [{ id: 'ask_elicit00001', action: 'cancel' }] }]);
  });
});

describe('AskCard: several asks in one answer', () => {
  it('the focus moves to the next unanswered card once the first is answered', async () => {
    const second: ApprovalAsk = { ...approval, id: 'ask_approve0002', toolUseId: 't3', toolName: 'get-sum', name: 'everything__get-sum', input: { a: 1, b: 2 } };
    const turn = (outcome?: 'approved'): TurnState => ({
      requestId: 'r1',
      turnId: 'chatcmpl-twoasks001',
      status: 'waiting',
      lastSeq: 3,
      pending: [],
      round: 1,
      stopRequested: false,
      blocks: [block(approval, outcome ? { outcome } : {}), block(second)],
    });
    const sent: Array<[string, TurnAnswersInput]> = [];
    const onAnswer = async (turnId: string, answers: TurnAnswersInput) => {
      sent.push([turnId, answers]);
    };
    const user = userEvent.setup();
    const view = render(<AssistantMessage turn={turn()} onAnswer={onAnswer} />);
    const first = screen.getByRole('region', { name: 'Approval for echo on everything' });
    expect(first).toHaveFocus();
    expect(screen.getByTestId('turn-waiting')).toHaveTextContent('waiting for you');
    await user.click(within(first).getByRole('button', { name: 'Approve' }));
    expect(sent).toEqual([['chatcmpl-twoasks001', { approvals: [{ id: 'ask_approve0001', decision: 'approve' }] }]]);
    expect(first).toHaveFocus();
    view.rerender(<AssistantMessage turn={turn('approved')} onAnswer={onAnswer} />);
    expect(screen.getByRole('region', { name: 'Approval for get-sum on everything' })).toHaveFocus();
  });
});
