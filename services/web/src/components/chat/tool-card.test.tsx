import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { ToolBlock } from '../../chat/turn-reducer.js';
import { ToolCard } from './tool-card.js';

const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

const base: ToolBlock = {
  kind: 'tool',
  id: 't1',
  round: 1,
  toolUseId: 't1',
  name: 'everything__get-tiny-image',
  serverId: 'everything',
  toolName: 'get-tiny-image',
  inputText: '{}',
  input: {},
  status: 'done',
};

describe('ToolCard', () => {
  it('shows server, tool, duration and the image a tool returned, inline', () => {
    render(
      <ToolCard
        tool={{
          ...base,
          durationMs: 1234,
          result: [
            { type: 'text', text: 'This is a tiny image:' },
            { type: 'image', mimeType: 'image/png', data: PNG_BASE64 },
          ],
        }}
      />,
    );
    const card = screen.getByRole('region', { name: 'Tool call get-tiny-image: Done' });
    expect(within(card).getByText('everything')).toBeInTheDocument();
    expect(within(card).getByText('get-tiny-image')).toBeInTheDocument();
    expect(within(card).getByText('1.2 s')).toBeInTheDocument();
    const image = within(card).getByRole('img', { name: 'Tool result image 1' });
    expect(image).toHaveAttribute('src', `data:image/png;base64,${PNG_BASE64}`);
    expect(within(card).getByText('This is a tiny image:')).toBeInTheDocument();
  });

  it('a call handed to an API caller to run says so, with no server', () => {
    const { serverId: _server, toolName: _tool, ...clientCall } = base;
    render(<ToolCard tool={{ ...clientCall, name: 'get_weather', status: 'client', input: { city: 'Oslo' } }} />);
    const card = screen.getByRole('region', { name: 'Tool call get_weather: Sent to the client to run' });
    expect(within(card).getByText('run by the client')).toBeInTheDocument();
    expect(within(card).queryByText('everything')).not.toBeInTheDocument();
  });

  it('expands to the pretty-printed input and JSON result', async () => {
    const user = userEvent.setup();
    render(
      <ToolCard
        tool={{
          ...base,
          name: 'everything__get-sum',
          toolName: 'get-sum',
          input: { a: 2, b: 3 },
          durationMs: 4,
          result: [{ type: 'text', text: '{"sum":5}' }],
        }}
      />,
    );
    const header = screen.getByRole('button', { expanded: false });
    await user.click(header);
    expect(header).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByText((_, element) => element?.tagName === 'PRE' && element.textContent === '{\n  "a": 2,\n  "b": 3\n}')).toBeInTheDocument();
    expect(screen.getByText((_, element) => element?.tagName === 'PRE' && element.textContent === '{\n  "sum": 5\n}')).toBeInTheDocument();
  });

  it('shows the error state with the error text', () => {
    render(<ToolCard tool={{ ...base, status: 'error', durationMs: 2, result: [{ type: 'text', text: 'Unknown tool: nope' }] }} />);
    const card = screen.getByRole('region', { name: /Failed/ });
    expect(card).toHaveClass('tool-error');
    expect(within(card).getByText('error')).toBeInTheDocument();
    expect(within(card).getByText('Unknown tool: nope')).toHaveClass('danger');
  });

  it('shows a progress bar while the tool runs, determinate once progress is known', () => {
    const { rerender } = render(<ToolCard tool={{ ...base, status: 'running', result: undefined }} />);
    const bar = screen.getByRole('progressbar', { name: 'get-tiny-image progress' });
    expect(bar).not.toHaveAttribute('aria-valuenow');
    expect(bar).toHaveClass('progress-indeterminate');
    rerender(<ToolCard tool={{ ...base, status: 'running', result: undefined, progress: { progress: 3, total: 4, message: 'step' } }} />);
    expect(screen.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '75');
    expect(screen.getByText('step 3/4')).toBeInTheDocument();
  });
});
