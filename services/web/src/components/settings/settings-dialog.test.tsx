import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import type { ModelInfo } from '../../api/gateway-views.js';
import { defaultChatOptions, loadChatOptions, saveChatOptions, type ChatOptions } from '../../settings/chat-options.js';
import { SettingsDialog } from './settings-dialog.js';

const claude: ModelInfo = { model_id: 'claude', model_name: 'Claude', supports_thinking: true, supports_images: true, supports_documents: true };
const nova: ModelInfo = { ...claude, model_id: 'nova', model_name: 'Nova', supports_thinking: false };

function Harness({ model, onChange }: { model: ModelInfo; onChange: (options: ChatOptions) => void }) {
  const [options, setOptions] = useState(defaultChatOptions);
  return (
    <SettingsDialog
      options={options}
      onChange={(next) => {
        setOptions(next);
        saveChatOptions(next);
        onChange(next);
      }}
      model={model}
      onClose={() => undefined}
    />
  );
}

describe('SettingsDialog', () => {
  it('offers thinking and its budget only for models that support it', async () => {
    const user = userEvent.setup();
    const { unmount } = render(<Harness model={nova} onChange={() => undefined} />);
    expect(screen.queryByRole('switch', { name: /Extended thinking/ })).not.toBeInTheDocument();
    expect(screen.getByText('Nova does not support extended thinking.')).toBeInTheDocument();
    unmount();
    render(<Harness model={claude} onChange={() => undefined} />);
    expect(screen.queryByLabelText('Thinking budget (tokens)')).not.toBeInTheDocument();
    await user.click(screen.getByRole('switch', { name: /Extended thinking/ }));
    expect(screen.getByLabelText('Thinking budget (tokens)')).toHaveValue(1024);
  });

  it('lets numbers be typed freely and keeps only valid ones', async () => {
    const user = userEvent.setup();
    const onChange = vi.fn();
    render(<Harness model={claude} onChange={onChange} />);
    const maxTokens = screen.getByLabelText('Max tokens');
    await user.clear(maxTokens);
    await user.type(maxTokens, '8000');
    expect(maxTokens).toHaveValue(8000);
    expect(loadChatOptions().maxTokens).toBe(8000);
    await user.click(screen.getByRole('switch', { name: /Extended thinking/ }));
    const budget = screen.getByLabelText('Thinking budget (tokens)');
    await user.clear(budget);
    await user.type(budget, '12');
    expect(budget).toHaveAttribute('aria-invalid', 'true');
    await user.tab();
    expect(budget).toHaveValue(1024);
    await user.clear(budget);
    await user.type(budget, '3000');
    expect(loadChatOptions().budgetTokens).toBe(3000);
    await user.type(screen.getByLabelText('System prompt'), 'Be brief.');
    expect(loadChatOptions()).toMatchObject({ systemPrompt: 'Be brief.', enableThinking: true });
  });
});
