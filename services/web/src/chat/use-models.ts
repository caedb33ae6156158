import { useEffect, useState } from 'react';
import type { GatewayClient } from '../api/gateway-client.js';
import { describeGatewayError } from '../api/gateway-error.js';
import type { ModelInfo } from '../api/gateway-views.js';

/** The models the gateway offers (from conf/config.json), read once per connection. */
export function useModels(client: GatewayClient) {
  const [models, setModels] = useState<ModelInfo[]>([]);
  const [error, setError] = useState<string>();
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let cancelled = false;
    client.listModels().then(
      (list) => {
        if (cancelled) return;
        setModels(list);
        setError(undefined);
      },
      (caught: unknown) => !cancelled && setError(describeGatewayError(caught)),
    );
    return () => {
      cancelled = true;
    };
  }, [client, attempt]);
  return { models, error, retry: () => setAttempt((value) => value + 1) };
}
