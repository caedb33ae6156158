import type { ConversationSummary } from '@bedrock-mcp/contracts';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { GatewayClient } from '../api/gateway-client.js';
import { describeGatewayError } from '../api/gateway-error.js';

/** Conversations asked for per page. */
const PAGE_SIZE = 30;
/** A search is sent once the person stops typing this long (ms). */
const SEARCH_DEBOUNCE_MS = 250;
/** Changes reported in a burst (a turn adds messages, then a title) refresh the list once, after this long (ms). */
const REFRESH_DEBOUNCE_MS = 300;

export interface ConversationListState {
  conversations: ConversationSummary[];
  /** The search as typed (the list follows it after SEARCH_DEBOUNCE_MS). */
  query: string;
  loading: boolean;
  /** More pages after the ones loaded. */
  hasMore: boolean;
  error?: string;
}

/**
 * The signed-in person's conversations, newest first: a page at a time (cursor), searched on the
 * server (`q`), refreshed (debounced) when something changes; rename and delete.
 */
export function useConversationList(client: GatewayClient) {
  const [state, setState] = useState<ConversationListState>({ conversations: [], query: '', loading: true, hasMore: false });
  const cursorRef = useRef<string | null>(null);
  const queryRef = useRef('');
  /** Answers to an older request (an earlier search, a refresh overtaken) are dropped. */
  const generationRef = useRef(0);
  const pagesRef = useRef(1);

  /** Loads the first `pages` pages of the current search again. */
  const reload = useCallback(
    async (pages = 1) => {
      const generation = ++generationRef.current;
      setState((current) => ({ ...current, loading: true }));
      try {
        const conversations: ConversationSummary[] = [];
        let cursor: string | undefined;
        let next: string | null = null;
        for (let page = 0; page < pages; page += 1) {
          const answer = await client.listConversations({ q: queryRef.current, cursor, limit: PAGE_SIZE });
          conversations.push(...answer.data);
          next = answer.next_cursor;
          if (next === null) break;
          cursor = next;
        }
        if (generation !== generationRef.current) return;
        cursorRef.current = next;
        setState((current) => ({ ...current, conversations, loading: false, hasMore: next !== null, error: undefined }));
      } catch (caught) {
        if (generation !== generationRef.current) return;
        setState((current) => ({ ...current, loading: false, error: describeGatewayError(caught) }));
      }
    },
    [client],
  );

  const loadMore = useCallback(async () => {
    const cursor = cursorRef.current;
    if (cursor === null) return;
    const generation = ++generationRef.current;
    setState((current) => ({ ...current, loading: true }));
    try {
      const answer = await client.listConversations({ q: queryRef.current, cursor, limit: PAGE_SIZE });
      if (generation !== generationRef.current) return;
      cursorRef.current = answer.next_cursor;
      pagesRef.current += 1;
      setState((current) => {
        const known = new Set(current.conversations.map((item) => item.id));
        const added = answer.data.filter((item) => !known.has(item.id));
        return { ...current, conversations: [...current.conversations, ...added], loading: false, hasMore: answer.next_cursor !== null, error: undefined };
      });
    } catch (caught) {
      if (generation !== generationRef.current) return;
      setState((current) => ({ ...current, loading: false, error: describeGatewayError(caught) }));
    }
  }, [client]);

  useEffect(() => {
    void reload();
  }, [reload]);

  const searchTimerRef = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const search = useCallback(
    (query: string) => {
      setState((current) => ({ ...current, query }));
      clearTimeout(searchTimerRef.current);
      searchTimerRef.current = setTimeout(() => {
        queryRef.current = query.trim();
        pagesRef.current = 1;
        void reload();
      }, SEARCH_DEBOUNCE_MS);
    },
    [reload],
  );

  const refreshTimerRef = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  /** Refreshes the pages shown, once for a burst of calls. */
  const refreshSoon = useCallback(() => {
    clearTimeout(refreshTimerRef.current);
    refreshTimerRef.current = setTimeout(() => void reload(pagesRef.current), REFRESH_DEBOUNCE_MS);
  }, [reload]);

  useEffect(
    () => () => {
      clearTimeout(searchTimerRef.current);
      clearTimeout(refreshTimerRef.current);
    },
    [],
  );

  const rename = useCallback(
    async (conversationId: string, title: string) => {
      const updated = await client.updateConversation(conversationId, { title });
      setState((current) => ({ ...current, conversations: current.conversations.map((item) => (item.id === conversationId ? updated : item)) }));
    },
    [client],
  );

  const remove = useCallback(
    async (conversationId: string) => {
      await client.deleteConversation(conversationId);
      setState((current) => ({ ...current, conversations: current.conversations.filter((item) => item.id !== conversationId) }));
    },
    [client],
  );

  return { ...state, search, loadMore, refreshSoon, rename, remove };
}
