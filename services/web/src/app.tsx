import { useEffect, useState } from 'react';
import { ChatScreen } from './components/chat-screen.js';
import { FirstRunScreen } from './components/settings/first-run-screen.js';
import { ConversationStorage } from './chat/conversation-storage.js';
import {
  clearConnectionSettings,
  loadConnectionSettings,
  saveConnectionSettings,
  type ConnectionSettings,
} from './settings/connection-settings.js';
import { loadDefaultGatewayUrl } from './settings/runtime-config.js';
import { useTheme } from './theme/use-theme.js';

/** First run until the connection is set, then the chat. */
export function App() {
  const { theme, toggle } = useTheme();
  const [connection, setConnection] = useState<ConnectionSettings | undefined>(() => loadConnectionSettings());
  const [defaultGatewayUrl, setDefaultGatewayUrl] = useState<string>();

  useEffect(() => {
    if (connection) return;
    let cancelled = false;
    void loadDefaultGatewayUrl().then((url) => !cancelled && setDefaultGatewayUrl(url));
    return () => {
      cancelled = true;
    };
  }, [connection]);

  const save = (settings: ConnectionSettings) => {
    saveConnectionSettings(settings);
    setConnection(settings);
  };

  if (!connection) {
    if (defaultGatewayUrl === undefined) return <div className="loading-screen" aria-busy="true" />;
    return <FirstRunScreen initial={{ gatewayUrl: defaultGatewayUrl, apiKey: '', userId: '' }} onSaved={save} />;
  }
  return (
    <ChatScreen
      connection={connection}
      onConnectionChange={save}
      onSignOut={() => {
        clearConnectionSettings();
        new ConversationStorage().clear();
        setConnection(undefined);
      }}
      theme={theme}
      onToggleTheme={toggle}
    />
  );
}
