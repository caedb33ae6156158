import type { ConversationMessage } from '@bedrock-mcp/contracts';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket as WsWebSocket } from 'ws';
import { App } from './app.js';
import { PNG_BYTES, startConversationGateway } from './testing/conversation-gateway.js';
import { blobId, recordedExchange, summary } from './testing/stored-conversations.js';

const DAY = 86_400_000;
let gateway: Awaited<ReturnType<typeof startConversationGateway>> | undefined;

beforeEach(() => {
  window.history.replaceState(null, '', '/chat/');
  // As in app.test.tsx: the `ws` client stands in for the browser's WebSocket.
  vi.stubGlobal('WebSocket', WsWebSocket);
});
afterEach(async () => {
  vi.unstubAllGlobals();
  await gateway?.close();
  gateway = undefined;
});

function userText(id: string, text: string, turnId?: string): ConversationMessage {
  return { id, role: 'user', created_at: Date.now(), ...(turnId ? { turn_id: turnId } : {}), parts: [{ type: 'text', text }] };
}
function answerText(id: string, text: string, turnId?: string): ConversationMessage {
  return { id, role: 'assistant', created_at: Date.now(), ...(turnId ? { turn_id: turnId } : {}), parts: [{ type: 'text', text }], finish_reason: 'end_turn' };
}

/** Three conversations: one today with a full recorded exchange, one yesterday, one last month. */
async function startWithThree() {
  const now = Date.now();
  gateway = await startConversationGateway([
    { summary: summary('c-charts', 'Charts of sales', { updated_at: now - 1000 }), messages: recordedExchange(1) },
    { summary: summary('c-poems', 'Poems about the sea', { updated_at: now - DAY - 1000 }), messages: [userText('msg_poemq0001', 'A poem please'), answerText('msg_poema0001', 'The sea is wide.')] },
    { summary: summary('c-taxes', 'Taxes 2025', { updated_at: now - 40 * DAY }), messages: [userText('msg_taxq00001', 'Taxes?'), answerText('msg_taxa00001', 'File them.')] },
  ]);
  return gateway;
}

async function renderApp() {
  if (!gateway) throw new Error('start the gateway first');
  render(<App session={{ baseUrl: gateway.url, navigate: vi.fn() }} />);
  await screen.findByRole('navigation', { name: 'Conversations' });
  return userEvent.setup();
}

const list = () => screen.getByRole('navigation', { name: 'Conversations' });

/** The three conversations, the app connected, and the one titled `title` open (showing `shown`). */
async function openOneOfThree(title: string, shown: string) {
  const stub = await startWithThree();
  const user = await renderApp();
  await screen.findByText('Connected');
  await user.click(await within(list()).findByRole('button', { name: title }));
  await screen.findByText(shown);
  return { stub, user };
}

describe('the conversation list', () => {
  it('groups conversations by day, newest first, and opens one as it was: files, thinking, the ask, the tool card with its image, the answer', async () => {
    const stub = await startWithThree();
    const user = await renderApp();
    await screen.findByText('Connected');
    await within(list()).findByText('Charts of sales');
    const groups = within(list()).getAllByRole('heading', { level: 3 }).map((heading) => heading.textContent);
    expect(groups.slice(0, 2)).toEqual(['Today', 'Yesterday']);
    expect(groups[2]).toMatch(/\d{4}/);
    expect(within(list()).getAllByTestId('conversation-row').map((row) => row.dataset.conversationId)).toEqual(['c-charts', 'c-poems', 'c-taxes']);

    await user.click(within(list()).getByRole('button', { name: 'Charts of sales' }));
    const question = await screen.findByTestId('user-message');
    expect(question).toHaveTextContent('Question 1: show me the chart');
    expect(within(question).getByRole('img', { name: 'chart.png' })).toHaveAttribute('src', `${stub.url}/v1/conversations/c-charts/blobs/${blobId('a')}`);
    expect(within(question).getByRole('link', { name: 'report.pdf' })).toHaveAttribute('href', `${stub.url}/v1/conversations/c-charts/blobs/${blobId('b')}`);
    const answer = screen.getByTestId('assistant-message');
    expect(answer).toHaveAttribute('data-status', 'done');
    expect(within(answer).getByText('Answer 1', { selector: 'strong' })).toBeInTheDocument();
    expect(within(answer).getByTestId('ask-outcome')).toHaveTextContent('Approved');
    expect(within(answer).getByRole('button', { name: /Thinking|Thought/ })).toBeInTheDocument();
    const tool = within(answer).getByTestId('tool-card');
    expect(tool).toHaveAccessibleName('Tool call echo: Done');
    expect(within(tool).getByRole('img', { name: 'Tool result image 1' })).toHaveAttribute('src', `${stub.url}/v1/conversations/c-charts/blobs/${blobId('c')}`);
    await user.click(within(tool).getByRole('button', { name: /echo/ }));
    expect(within(tool).getByText(/"message": "ping"/)).toBeInTheDocument();

    expect(window.location.search).toBe('?c=c-charts');
    expect(within(list()).getByRole('button', { name: 'Charts of sales' })).toHaveAttribute('aria-current', 'page');
    expect(stub.requests.some((request) => request.url === '/v1/conversations/c-charts?message_limit=100')).toBe(true);
  });

  it('reopens the conversation in the address after a reload, and resumes the turn still running in it from its first event', async () => {
    const stub = await startConversationGateway([
      {
        summary: summary('c-live', 'Running', { active_turn_id: 'chatcmpl-running0001' }),
        messages: [userText('msg_liveq0001', 'Count to three', 'chatcmpl-running0001')],
      },
    ]);
    gateway = stub;
    stub.emit('chatcmpl-running0001', { type: 'start', model: 'm', userId: 'local' });
    stub.emit('chatcmpl-running0001', { type: 'text_delta', text: 'One, ' });
    window.history.replaceState(null, '', '/chat/?c=c-live');
    await renderApp();
    await screen.findByText('Count to three');
    await waitFor(() => expect(stub.frames).toContainEqual({ type: 'resume', turnId: 'chatcmpl-running0001', afterSeq: 0 }));
    const answer = await screen.findByTestId('assistant-message');
    await waitFor(() => expect(answer).toHaveTextContent('One,'));
    expect(answer).toHaveAttribute('aria-busy', 'true');
    stub.emit('chatcmpl-running0001', { type: 'text_delta', text: 'two, three.' });
    stub.emit('chatcmpl-running0001', { type: 'done', finishReason: 'end_turn' });
    await waitFor(() => expect(answer).toHaveAttribute('data-status', 'done'));
    expect(answer).toHaveTextContent('One, two, three.');
  });

  it('searches on the server once typing stops, renames inline from the keyboard, and deletes after a confirmation', async () => {
    const stub = await startWithThree();
    const user = await renderApp();
    await within(list()).findByText('Charts of sales');
    await user.click(within(list()).getByRole('button', { name: 'Poems about the sea' }));
    await screen.findByText('The sea is wide.');

    await user.type(within(list()).getByRole('searchbox', { name: 'Search conversations' }), 'tax');
    await waitFor(() => expect(within(list()).getAllByTestId('conversation-row')).toHaveLength(1));
    expect(within(list()).getByText('Taxes 2025')).toBeInTheDocument();
    // One request for the whole word, not one per key.
    expect(stub.requests.filter((request) => request.url.startsWith('/v1/conversations?') && request.url.includes('q='))).toHaveLength(1);
    await user.clear(within(list()).getByRole('searchbox', { name: 'Search conversations' }));
    await waitFor(() => expect(within(list()).getAllByTestId('conversation-row')).toHaveLength(3));

    await user.click(within(list()).getByRole('button', { name: 'Rename Poems about the sea' }));
    const field = within(list()).getByRole('textbox', { name: 'New title for Poems about the sea' });
    expect(field).toHaveFocus();
    await user.clear(field);
    await user.keyboard('Sea poems{Enter}');
    await within(list()).findByRole('button', { name: 'Sea poems' });
    await waitFor(() => expect(within(list()).getByRole('button', { name: 'Rename Sea poems' })).toHaveFocus());
    expect(stub.requests.find((request) => request.method === 'PATCH')).toMatchObject({ url: '/v1/conversations/c-poems', body: '{"title":"Sea poems"}' });

    expect(within(list()).getByRole('link', { name: 'Export Sea poems as Markdown' })).toHaveAttribute('href', `${stub.url}/v1/conversations/c-poems/export?format=markdown`);
    await user.click(within(list()).getByRole('button', { name: 'Delete Sea poems' }));
    const confirm = within(list()).getByRole('group', { name: 'Confirm deleting Sea poems' });
    expect(stub.requests.some((request) => request.method === 'DELETE')).toBe(false);
    await user.click(within(confirm).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(within(list()).queryByText('Sea poems')).toBeNull());
    expect(stub.requests.find((request) => request.method === 'DELETE')?.url).toBe('/v1/conversations/c-poems');
    // It was open: a new chat now, and the address no longer names it.
    expect(screen.queryByText('The sea is wide.')).toBeNull();
    expect(window.location.search).toBe('');
  });

  it('pages through a long list with the cursor', async () => {
    const now = Date.now();
    gateway = await startConversationGateway(
      Array.from({ length: 45 }, (_, index) => ({ summary: summary(`c-${index}`, `Chat number ${index}`, { updated_at: now - index * 1000 }), messages: [] })),
    );
    const user = await renderApp();
    await within(list()).findByText('Chat number 0');
    expect(within(list()).getAllByTestId('conversation-row')).toHaveLength(30);
    await user.click(within(list()).getByRole('button', { name: 'Show more chats' }));
    await waitFor(() => expect(within(list()).getAllByTestId('conversation-row')).toHaveLength(45));
    expect(within(list()).queryByRole('button', { name: 'Show more chats' })).toBeNull();
    expect(gateway.requests.some((request) => request.url === '/v1/conversations?cursor=30&limit=30')).toBe(true);
  });
});

describe('sending in a conversation', () => {
  it('a new chat sends its own conversation_id, gets an address, and appears in the list after its first answer', async () => {
    gateway = await startConversationGateway([]);
    const stub = gateway;
    const user = await renderApp();
    await screen.findByText('Connected');
    await within(list()).findByText(/No chats yet/);
    const box = screen.getByRole('textbox', { name: 'Message' });
    await user.type(box, 'Hello there');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Send message' })).toBeEnabled());
    await user.keyboard('{Enter}');
    await waitFor(() => expect(screen.getByTestId('assistant-message')).toHaveAttribute('data-status', 'done'));
    const chat = stub.frames.find((frame) => frame.type === 'chat');
    const conversationId = chat?.type === 'chat' ? chat.body.conversation_id : undefined;
    expect(conversationId).toMatch(/^c-[a-z0-9]+-[0-9a-f]{24}$/);
    expect(chat?.type === 'chat' && chat.body.messages).toEqual([{ role: 'user', content: 'Hello there' }]);
    expect(window.location.search).toBe(`?c=${conversationId}`);

    // The worker recorded it: the list, asked again once the answer ended, shows it.
    stub.store.set(conversationId!, { summary: summary(conversationId!, 'Greeting'), messages: [userText('msg_hello0001', 'Hello there'), answerText('msg_hello0002', 'Answer 1.')] });
    await within(list()).findByText('Greeting', {}, { timeout: 3000 });
  });

  it('edits and resends the last message, and regenerates the last answer with its image read back from the server', async () => {
    const { stub, user } = await openOneOfThree('Charts of sales', 'Question 1: show me the chart');

    await user.click(screen.getByRole('button', { name: 'Edit your last message' }));
    const box = screen.getByRole('textbox', { name: 'Message' });
    await waitFor(() => expect(box).toHaveValue('Question 1: show me the chart'));
    expect(box).toHaveFocus();
    expect(screen.getByText(/Editing your last message/)).toBeInTheDocument();
    await user.clear(box);
    await user.type(box, 'Show me the table instead');
    await user.keyboard('{Enter}');
    await waitFor(() => expect(screen.getAllByTestId('assistant-message').at(-1)).toHaveAttribute('data-status', 'done'));
    // The edited exchange replaced the old one.
    expect(screen.getAllByTestId('user-message')).toHaveLength(1);
    expect(screen.queryByText('Question 1: show me the chart')).toBeNull();
    expect(screen.getByText('Answer 1.')).toBeInTheDocument();
    const edited = stub.frames.filter((frame) => frame.type === 'chat').at(-1);
    expect(edited?.type === 'chat' && edited.body).toMatchObject({ conversation_id: 'c-charts', replace_last: true });
    const png = `data:image/png;base64,${PNG_BYTES.toString('base64')}`;
    expect(edited?.type === 'chat' && edited.body.messages.at(-1)).toMatchObject({
      role: 'user',
      content: [{ type: 'image_url', image_url: { url: png } }, { type: 'file', file: { filename: 'report.pdf' } }, { type: 'text', text: 'Show me the table instead' }],
    });

    await user.click(screen.getByRole('button', { name: 'Regenerate the answer' }));
    await waitFor(() => expect(screen.getByText('Answer 2.')).toBeInTheDocument());
    expect(screen.queryByText('Answer 1.')).toBeNull();
    const regenerated = stub.frames.filter((frame) => frame.type === 'chat').at(-1);
    expect(regenerated?.type === 'chat' && regenerated.body).toMatchObject({ conversation_id: 'c-charts', replace_last: true });
    expect(regenerated?.type === 'chat' && regenerated.body.messages.at(-1)).toMatchObject({ role: 'user', content: expect.arrayContaining([{ type: 'text', text: 'Show me the table instead' }]) });
  });

  it('loads the last page of a long conversation, and earlier messages on demand', async () => {
    const messages = Array.from({ length: 130 }, (_, index) =>
      index % 2 === 0 ? userText(`msg_long${String(index).padStart(5, '0')}`, `Question ${index}`) : answerText(`msg_long${String(index).padStart(5, '0')}`, `Reply ${index}`),
    );
    gateway = await startConversationGateway([{ summary: summary('c-long', 'Long one', { message_count: 130 }), messages }]);
    window.history.replaceState(null, '', '/chat/?c=c-long');
    const user = await renderApp();
    await screen.findByText('Reply 129');
    // The last page (100) is loaded, its last 50 rendered.
    expect(screen.getAllByTestId('user-message')).toHaveLength(25);
    expect(screen.queryByText('Question 78')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Show earlier messages (50 more)' }));
    expect(screen.getByText('Question 30')).toBeInTheDocument();
    expect(screen.queryByText('Question 28')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Load earlier messages (30 more)' }));
    await screen.findByText('Question 0');
    expect(screen.getAllByTestId('user-message')).toHaveLength(65);
    expect(screen.queryByRole('button', { name: /Load earlier messages/ })).toBeNull();
    expect(gateway.requests.some((request) => request.url === '/v1/conversations/c-long?message_limit=100&before=30')).toBe(true);
  });
});

describe('changes from elsewhere', () => {
  it('follows the open conversation: a turn started on another device streams here, new messages are fetched, a deletion closes it; the list refreshes', async () => {
    const { stub } = await openOneOfThree('Poems about the sea', 'The sea is wide.');

    // Another device starts a turn here.
    const entry = stub.store.get('c-poems')!;
    entry.messages.push(userText('msg_poemq0002', 'Another one', 'chatcmpl-elsewhere01'));
    entry.summary = { ...entry.summary, title: 'Poems (more)', active_turn_id: 'chatcmpl-elsewhere01', updated_at: Date.now() };
    stub.emit('chatcmpl-elsewhere01', { type: 'start', model: 'm', userId: 'local' });
    stub.emit('chatcmpl-elsewhere01', { type: 'text_delta', text: 'Waves ' });
    stub.announce({ conversation_id: 'c-poems', change: 'turn_started', turn_id: 'chatcmpl-elsewhere01', at: Date.now() });
    await screen.findByText('Another one');
    await waitFor(() => expect(stub.frames).toContainEqual({ type: 'resume', turnId: 'chatcmpl-elsewhere01', afterSeq: 0 }));
    await waitFor(() => expect(screen.getAllByTestId('assistant-message').at(-1)).toHaveTextContent('Waves'));
    await within(list()).findByText('Poems (more)');

    // It ends there; the worker records it.
    stub.emit('chatcmpl-elsewhere01', { type: 'text_delta', text: 'roll.' });
    stub.emit('chatcmpl-elsewhere01', { type: 'done', finishReason: 'end_turn' });
    entry.messages.push(answerText('msg_poema0002', 'Waves roll, recorded.', 'chatcmpl-elsewhere01'));
    entry.summary = { ...entry.summary, active_turn_id: null };
    stub.announce({ conversation_id: 'c-poems', change: 'messages_added', turn_id: 'chatcmpl-elsewhere01', at: Date.now() });
    await screen.findByText('Waves roll, recorded.');

    // Another turn there, announced before its question is recorded: the question shows once it is, while the answer streams.
    entry.summary = { ...entry.summary, active_turn_id: 'chatcmpl-elsewhere02', updated_at: Date.now() };
    stub.emit('chatcmpl-elsewhere02', { type: 'start', model: 'm', userId: 'local' });
    stub.emit('chatcmpl-elsewhere02', { type: 'text_delta', text: 'Tides ' });
    stub.announce({ conversation_id: 'c-poems', change: 'turn_started', turn_id: 'chatcmpl-elsewhere02', at: Date.now() });
    await waitFor(() => expect(screen.getAllByTestId('assistant-message').at(-1)).toHaveTextContent('Tides'));
    expect(screen.queryByText('And the tides?')).toBeNull();
    entry.messages.push(userText('msg_poemq0003', 'And the tides?', 'chatcmpl-elsewhere02'));
    stub.announce({ conversation_id: 'c-poems', change: 'messages_added', turn_id: 'chatcmpl-elsewhere02', at: Date.now() });
    await screen.findByText('And the tides?');
    expect(screen.getAllByTestId('assistant-message').at(-1)).toHaveTextContent('Tides');
    stub.emit('chatcmpl-elsewhere02', { type: 'done', finishReason: 'end_turn' });

    // Deleted on the other device: this page goes to a new chat.
    stub.store.delete('c-poems');
    stub.announce({ conversation_id: 'c-poems', change: 'deleted', at: Date.now() });
    await waitFor(() => expect(screen.queryByText('The sea is wide.')).toBeNull());
    await waitFor(() => expect(window.location.search).toBe(''));
    await waitFor(() => expect(within(list()).queryByText('Poems (more)')).toBeNull());
  });

  it('a read of the conversation that left before a message was sent does not erase that turn when it lands', async () => {
    const { stub, user } = await openOneOfThree('Poems about the sea', 'The sea is wide.');

    // A change (the title, say) makes the page read the conversation again; that read is slow.
    const release = stub.holdReads();
    const reads = () => stub.requests.filter((request) => request.url.startsWith('/v1/conversations/c-poems')).length;
    const readsBefore = reads();
    stub.announce({ conversation_id: 'c-poems', change: 'updated', at: Date.now() });
    await waitFor(() => expect(reads()).toBe(readsBefore + 1));

    // Meanwhile a message goes out and is answered.
    await user.type(screen.getByRole('textbox', { name: 'Message' }), 'One more poem{Enter}');
    await waitFor(() => expect(screen.getAllByTestId('assistant-message').at(-1)).toHaveTextContent('Answer 1.'));
    await waitFor(() => expect(screen.getAllByTestId('assistant-message').at(-1)!.dataset.status).toBe('done'));

    // The read lands, knowing nothing of that turn: the turn stays.
    release();
    // Nothing to wait for when it is right: give the answer time to arrive and be applied.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(screen.getByText('One more poem')).toBeInTheDocument();
    expect(screen.getAllByTestId('assistant-message').at(-1)).toHaveTextContent('Answer 1.');
  });
});
