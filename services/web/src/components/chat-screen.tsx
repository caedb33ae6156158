import { ConversationIdSchema, type MeResponse } from '@bedrock-mcp/contracts';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { chatSocketUrl } from '../api/chat-socket.js';
import type { GatewayClient } from '../api/gateway-client.js';
import { describeGatewayError } from '../api/gateway-error.js';
import type { McpServerInfo } from '../api/gateway-views.js';
import { withAttachmentData, type Attachment } from '../attachments/attachment.js';
import { useAttachments } from '../attachments/use-attachments.js';
import { lastExchange } from '../chat/conversation.js';
import { useChat } from '../chat/use-chat.js';
import { useConversationList } from '../conversations/use-conversation-list.js';
import { useModels } from '../chat/use-models.js';
import { useMcpServers } from '../mcp/use-mcp-servers.js';
import { loadChatOptions, saveChatOptions, type ChatOptions } from '../settings/chat-options.js';
import type { Theme } from '../theme/use-theme.js';
import { useVoice } from '../voice/use-voice.js';
import { Composer } from './chat/composer.js';
import { EmptyState } from './chat/empty-state.js';
import { MessageList } from './chat/message-list.js';
import { voiceStatusText } from './chat/voice-button.js';
import { ApiKeysDialog } from './auth/api-keys-dialog.js';
import { UserMenu } from './auth/user-menu.js';
import { VoiceBanners } from './chat/voice-banners.js';
import { ChatIcon, MenuIcon, MoonIcon, PlusIcon, SettingsIcon, SparkIcon, SunIcon } from './common/icons.js';
import { ConversationSidebar } from './conversations/conversation-sidebar.js';
import { Banner, ModelNotConfiguredBanner } from './layout/banner.js';
import { McpSidebar } from './mcp/mcp-sidebar.js';
import { SettingsDialog } from './settings/settings-dialog.js';

export interface ChatScreenProps {
  /** The signed-in session's REST client. */
  client: GatewayClient;
  me: MeResponse;
  /** Signs out (`everywhere`: every session of the user); rejects when the gateway could not. */
  onSignOut: (everywhere: boolean) => Promise<void>;
  theme: Theme;
  onToggleTheme: () => void;
}

const SOCKET_LABEL = {
  connecting: 'Connecting…',
  ready: 'Connected',
  reconnecting: 'Reconnecting…',
  auth_failed: 'Signed out',
  closed: 'Offline',
} as const;

/** Failed chat socket connects, with the session still good, before the banner names the likely cause. */
const REFUSED_SOCKET_HINT_AFTER = 3;

let messageCounter = 0;

/** The conversation the page's address names (`/chat/?c=<id>`), so a reload reopens it. */
function conversationIdInUrl(): string | undefined {
  const id = new URLSearchParams(window.location.search).get('c') ?? undefined;
  return ConversationIdSchema.safeParse(id).success ? id : undefined;
}

function setConversationIdInUrl(id: string | undefined, mode: 'push' | 'replace'): void {
  if (conversationIdInUrl() === id) return;
  const url = new URL(window.location.href);
  if (id === undefined) url.searchParams.delete('c');
  else url.searchParams.set('c', id);
  if (mode === 'push') window.history.pushState(null, '', url);
  else window.history.replaceState(null, '', url);
}

/** The chat page of the signed-in person: header, MCP sidebar, conversation and composer. */
export function ChatScreen({ client, me, onSignOut, theme, onToggleTheme }: ChatScreenProps) {
  const { models, error: modelsError, retry: retryModels } = useModels(client);
  const mcp = useMcpServers(client);
  // The sockets open where the REST calls go: this page's origin (the web server passes them on).
  const origin = useMemo(() => new URL(client.baseUrl), [client]);
  const list = useConversationList(client);
  const { refreshSoon: refreshList } = list;
  const [initialConversationId] = useState(conversationIdInUrl);
  const chat = useChat({ client, initialConversationId, onConversationChange: refreshList, socketOptions: { url: chatSocketUrl(origin) } });
  const attachments = useAttachments();
  const voice = useVoice({ client, origin, anchor: chat.conversation.messages.length });
  const [options, setOptions] = useState<ChatOptions>(() => loadChatOptions());
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [keysOpen, setKeysOpen] = useState(false);
  const [sidebarOpen, setSidebarOpen] = useState(false);
  const [chatsOpen, setChatsOpen] = useState(false);
  const [draft, setDraft] = useState<{ text: string; key: number }>();
  const [editing, setEditing] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [notice, setNotice] = useState<string>();
  const [dismissedTurn, setDismissedTurn] = useState<string>();

  const updateOptions = useCallback((next: ChatOptions) => {
    setOptions(next);
    saveChatOptions(next);
  }, []);

  // Keep the chosen model valid for this gateway.
  useEffect(() => {
    const first = models[0];
    if (first && !models.some((model) => model.model_id === options.model)) updateOptions({ ...options, model: first.model_id });
  }, [models, options, updateOptions]);
  const model = models.find((candidate) => candidate.model_id === options.model);

  const isEnabled = useCallback((server: McpServerInfo) => options.serverChoices[server.id] ?? server.enabledByDefault, [options.serverChoices]);
  const enabledServerIds = mcp.servers.filter(isEnabled).map((server) => server.id);
  const toggleServer = (serverId: string, enabled: boolean) =>
    updateOptions({ ...options, serverChoices: { ...options.serverChoices, [serverId]: enabled } });

  const send = (text: string): string | undefined => {
    if (!model) return modelsError ? `No model list: ${modelsError}` : 'Wait for the model list to load.';
    if (!mcp.loaded) return 'Wait for the MCP server list to load.';
    if (!model.supports_images && attachments.attachments.some((item) => item.kind === 'image')) return `${model.model_name} does not accept images.`;
    if (!model.supports_documents && attachments.attachments.some((item) => item.kind === 'document')) return `${model.model_name} does not accept documents.`;
    if (editing) {
      // The edited message keeps the files of the one it replaces.
      const kept = lastExchange(chat.conversation).question?.attachments ?? [];
      void resend(text, [...kept, ...attachments.attachments]);
      return undefined;
    }
    const error = sendNow(text, attachments.attachments, false);
    if (!error) attachments.reset();
    return error;
  };

  const sendNow = (text: string, files: Attachment[], replaceLast: boolean): string | undefined => {
    if (!model) return 'Wait for the model list to load.';
    messageCounter += 1;
    const error = chat.send(
      { id: `u-${Date.now().toString(36)}-${messageCounter}`, role: 'user', text, attachments: files },
      { options, mcpServerIds: enabledServerIds, supportsThinking: model.supports_thinking, replaceLast },
    );
    // A new chat has an address once it has a message.
    if (!error) setConversationIdInUrl(chat.conversation.id, 'replace');
    return error;
  };

  /** Sends the last message again in place of itself (edit and resend, regenerate); stored files are read back first. */
  const resend = async (text: string, files: Attachment[]) => {
    setNotice(undefined);
    try {
      const error = sendNow(text, await withAttachmentData(files), true);
      if (error) setNotice(error);
      else {
        setEditing(false);
        attachments.reset();
      }
    } catch (caught) {
      setNotice(`The message was not sent again: ${caught instanceof Error ? caught.message : String(caught)}`);
    }
  };

  const { open: openInChat } = chat;
  const { clear: clearVoice } = voice;
  /** Shows a stored conversation, or a new chat (no id); the address follows (`push`: a step in the history). */
  const openConversation = useCallback(
    (id: string | undefined, history: 'push' | 'none' = 'push') => {
      if (history === 'push') setConversationIdInUrl(id, 'push');
      openInChat(id);
      clearVoice();
      setEditing(false);
      setChatsOpen(false);
    },
    [openInChat, clearVoice],
  );
  useEffect(() => {
    const onPopState = () => openConversation(conversationIdInUrl(), 'none');
    window.addEventListener('popstate', onPopState);
    return () => window.removeEventListener('popstate', onPopState);
  }, [openConversation]);

  // A conversation deleted (here or elsewhere) leaves a new chat: its address goes too.
  const openId = chat.conversation.id;
  const hasMessages = chat.conversation.messages.length > 0;
  useEffect(() => {
    const inUrl = conversationIdInUrl();
    if (hasMessages && inUrl !== openId) setConversationIdInUrl(openId, 'replace');
    else if (!hasMessages && !chat.load.loading && inUrl !== undefined && inUrl !== openId) setConversationIdInUrl(undefined, 'replace');
  }, [openId, hasMessages, chat.load.loading]);

  const deleteConversation = async (id: string) => {
    await list.remove(id);
    if (id === chat.conversation.id) openConversation(undefined);
  };

  const { question: lastQuestion } = lastExchange(chat.conversation);
  const editLast =
    lastQuestion && !chat.streaming
      ? () => {
          setDraft({ text: lastQuestion.text, key: Date.now() });
          setEditing(true);
        }
      : undefined;
  const regenerate = lastQuestion && !chat.streaming ? () => void resend(lastQuestion.text, lastQuestion.attachments) : undefined;

  const startVoice = () =>
    void voice.start({ voiceId: options.voiceId, mcpServerIds: enabledServerIds, keepSession: options.keepSession });

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    void attachments.addFiles([...event.dataTransfer.files]);
  };

  // Tools may have started servers: show their new status once an answer ends.
  // An answer that ended changed its conversation (a new one appears in the list).
  const { refresh: refreshServers } = mcp;
  const wasStreaming = useRef(false);
  useEffect(() => {
    if (!chat.streaming) void refreshServers();
    if (wasStreaming.current && !chat.streaming) refreshList();
    wasStreaming.current = chat.streaming;
  }, [chat.streaming, refreshServers, refreshList]);

  const lastAssistant = [...chat.conversation.messages].reverse().find((message) => message.role === 'assistant');
  const notConfigured =
    lastAssistant?.role === 'assistant' && lastAssistant.turn.error?.code === 'model_not_configured' && dismissedTurn !== lastAssistant.id
      ? lastAssistant
      : undefined;
  const socketState = chat.socketStatus.state;
  // A socket the gateway refuses, or that cannot connect, may mean the session ended: asking who is
  // signed in answers 401 then, and the client's 401 handler returns to the sign-in.
  // Asked again at each failed attempt (each is a new status), at most once per reconnect delay.
  // Each attempt the session survives counts: a socket refused while the session is fine is most
  // likely refused for its Origin (the gateway's PUBLIC_URL is not this page's address).
  const { socketStatus } = chat;
  const [refusedWhileSignedIn, setRefusedWhileSignedIn] = useState(0);
  useEffect(() => {
    if (socketStatus.state === 'ready') setRefusedWhileSignedIn(0);
    if (socketStatus.state !== 'auth_failed' && socketStatus.state !== 'reconnecting') return;
    client.me().then(
      () => setRefusedWhileSignedIn((count) => count + 1),
      () => undefined,
    );
  }, [socketStatus, client]);

  const signOut = (everywhere: boolean) => {
    setNotice(undefined);
    onSignOut(everywhere).catch((caught: unknown) => setNotice(`You are still signed in: ${describeGatewayError(caught)}`));
  };
  // Sending (or talking) before the server list is known would silently offer the model no tools.
  const voiceDisabledReason = socketState === 'auth_failed' ? 'signed out' : !mcp.loaded ? 'loading MCP servers' : undefined;
  const disabledReason =
    socketState === 'auth_failed'
      ? 'The gateway refused this session: sign in again.'
      : models.length === 0 && !modelsError
        ? 'Loading models…'
        : !mcp.loaded
          ? 'Loading MCP servers…'
          : undefined;

  return (
    <div className={`app${sidebarOpen ? ' sidebar-open' : ''}${chatsOpen ? ' chats-open' : ''}`}>
      <nav className="chats-pane" id="conversation-sidebar" aria-label="Conversations">
        <ConversationSidebar
          list={list}
          openId={hasMessages || chat.load.loading ? openId : undefined}
          onOpen={(id) => openConversation(id)}
          onNewChat={() => openConversation(undefined)}
          onSearch={list.search}
          onLoadMore={() => void list.loadMore()}
          onRename={list.rename}
          onDelete={deleteConversation}
          exportUrl={(id) => client.conversationExportUrl(id, 'markdown')}
        />
      </nav>
      <aside className="sidebar" id="mcp-sidebar" aria-label="MCP servers">
        <McpSidebar
          client={client}
          servers={mcp.servers}
          loaded={mcp.loaded}
          error={mcp.error}
          poolError={mcp.poolError}
          onRefresh={mcp.refresh}
          isEnabled={isEnabled}
          onToggle={toggleServer}
        />
      </aside>
      {sidebarOpen || chatsOpen ? (
        <div
          className="sidebar-scrim"
          onClick={() => {
            setSidebarOpen(false);
            setChatsOpen(false);
          }}
          aria-hidden="true"
        />
      ) : null}
      <main
        className="main"
        onDragOver={(event) => {
          if (event.dataTransfer.types.includes('Files')) {
            event.preventDefault();
            setDragging(true);
          }
        }}
        onDragLeave={(event) => {
          if (event.currentTarget === event.target) setDragging(false);
        }}
        onDrop={onDrop}
      >
        <header className="topbar">
          <button
            type="button"
            className="icon-button chats-toggle"
            aria-label={chatsOpen ? 'Hide chats' : 'Show chats'}
            aria-expanded={chatsOpen}
            aria-controls="conversation-sidebar"
            onClick={() => setChatsOpen(!chatsOpen)}
          >
            <ChatIcon />
          </button>
          <button
            type="button"
            className="icon-button sidebar-toggle"
            aria-label={sidebarOpen ? 'Hide MCP servers' : 'Show MCP servers'}
            aria-expanded={sidebarOpen}
            aria-controls="mcp-sidebar"
            onClick={() => setSidebarOpen(!sidebarOpen)}
          >
            <MenuIcon />
          </button>
          <div className="brand">
            <span className="brand-mark" aria-hidden="true">
              <SparkIcon size={16} />
            </span>
            <span className="brand-name">Bedrock MCP Chat</span>
          </div>
          <label className="model-select">
            <span className="visually-hidden">Model</span>
            <select value={options.model} onChange={(event) => updateOptions({ ...options, model: event.target.value })} disabled={models.length === 0}>
              {models.length === 0 ? <option value="">{modelsError ? 'No models' : 'Loading models…'}</option> : null}
              {models.map((candidate) => (
                <option key={candidate.model_id} value={candidate.model_id}>
                  {candidate.model_name}
                </option>
              ))}
            </select>
          </label>
          <span className={`connection-dot connection-${socketState}`} role="status" title={chat.socketStatus.detail ?? SOCKET_LABEL[socketState]}>
            <span className="dot" aria-hidden="true" />
            <span className="connection-label">{SOCKET_LABEL[socketState]}</span>
          </span>
          <div className="topbar-actions">
            <button type="button" className="icon-button" onClick={() => openConversation(undefined)} aria-label="New chat" title="New chat">
              <PlusIcon />
            </button>
            <button type="button" className="icon-button" onClick={() => setSettingsOpen(true)} aria-label="Settings" title="Settings">
              <SettingsIcon />
            </button>
            <button
              type="button"
              className="icon-button"
              onClick={onToggleTheme}
              aria-label={theme === 'dark' ? 'Switch to light mode' : 'Switch to dark mode'}
              title={theme === 'dark' ? 'Light mode' : 'Dark mode'}
              data-testid="theme-toggle"
            >
              {theme === 'dark' ? <SunIcon /> : <MoonIcon />}
            </button>
            <UserMenu me={me} onOpenApiKeys={() => setKeysOpen(true)} onSignOut={signOut} />
          </div>
        </header>

        <div className="banners">
          {notConfigured?.role === 'assistant' ? (
            <ModelNotConfiguredBanner message={notConfigured.turn.error?.message ?? ''} onDismiss={() => setDismissedTurn(notConfigured.id)} />
          ) : null}
          {socketState === 'auth_failed' ? (
            <Banner tone="danger" title="The gateway refused this session">
              {chat.socketStatus.detail}
            </Banner>
          ) : null}
          {socketState === 'reconnecting' && refusedWhileSignedIn >= REFUSED_SOCKET_HINT_AFTER ? (
            <Banner tone="warn" title="The chat connection keeps failing" busy>
              You are signed in, but the chat socket does not connect. The gateway accepts it only from the address in its <code>PUBLIC_URL</code>: if
              that is not <code>{window.location.origin}</code>, ask whoever runs the platform to set it so.
            </Banner>
          ) : null}
          {socketState === 'reconnecting' && refusedWhileSignedIn < REFUSED_SOCKET_HINT_AFTER ? (
            <Banner tone="info" title="Reconnecting to the gateway…" busy>
              {chat.socketStatus.detail ? `${chat.socketStatus.detail}. ` : ''}An answer in progress continues where it left off.
            </Banner>
          ) : null}
          {chat.load.error ? (
            <Banner tone="danger" title="Could not open the conversation">
              {chat.load.error}
            </Banner>
          ) : null}
          {chat.connectionError ? <Banner tone="danger" title="Gateway error">{chat.connectionError}</Banner> : null}
          {modelsError ? (
            <Banner
              tone="danger"
              title="Could not load the model list"
              action={
                <button type="button" className="button button-secondary" onClick={retryModels}>
                  Retry
                </button>
              }
            >
              {modelsError}
            </Banner>
          ) : null}
          <VoiceBanners state={voice.state} onDismiss={voice.dismiss} />
          {notice ? (
            <Banner tone="warn" title="Notice" onDismiss={() => setNotice(undefined)}>
              {notice}
            </Banner>
          ) : null}
        </div>

        <MessageList
          conversation={chat.conversation}
          voiceItems={voice.state.items}
          onAnswer={chat.answer}
          onLoadEarlier={() => void chat.loadEarlier()}
          loadingEarlier={chat.load.loadingEarlier}
          onEditLast={editLast}
          onRegenerate={regenerate}
          empty={<EmptyState modelName={model?.model_name} serverCount={enabledServerIds.length} onPick={(question) => send(question)} disabled={Boolean(disabledReason)} />}
        />

        <div className="composer-dock">
          <Composer
            attachments={attachments.attachments}
            attachmentErrors={attachments.errors}
            onAddFiles={(files) => void attachments.addFiles(files)}
            onRemoveAttachment={attachments.remove}
            onDismissErrors={attachments.dismissErrors}
            onSend={send}
            onStop={chat.stop}
            streaming={chat.streaming}
            disabledReason={disabledReason}
            draft={draft}
            editing={editing ? { onCancel: () => setEditing(false) } : undefined}
            thinkingSupported={Boolean(model?.supports_thinking)}
            thinking={options.enableThinking}
            onThinkingChange={(value) => updateOptions({ ...options, enableThinking: value })}
            voice={{ status: voice.state.status, speaking: voice.state.speaking, onStart: startVoice, onStop: voice.stop, disabledReason: voiceDisabledReason }}
            voiceStatus={voiceStatusText(voice.state.status, voice.state.speaking, voice.state.voiceId)}
          />
        </div>
        {dragging ? (
          <div className="drop-overlay" aria-hidden="true">
            Drop images or documents to attach them
          </div>
        ) : null}
      </main>

      {settingsOpen ? (
        <SettingsDialog
          options={options}
          onChange={updateOptions}
          model={model}
          onClose={() => setSettingsOpen(false)}
        />
      ) : null}
      {keysOpen ? <ApiKeysDialog client={client} userId={me.user_id} onClose={() => setKeysOpen(false)} /> : null}
    </div>
  );
}
