import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { ATTACHMENT_LIMITS } from '../../attachments/attachment.js';
import { useAttachments } from '../../attachments/use-attachments.js';
import { Composer } from './composer.js';

function Harness({ onSend, streaming = false, thinkingSupported = false }: { onSend: (text: string, names: string[]) => void; streaming?: boolean; thinkingSupported?: boolean }) {
  const attachments = useAttachments();
  const [thinking, setThinking] = useState(false);
  return (
    <Composer
      attachments={attachments.attachments}
      attachmentErrors={attachments.errors}
      onAddFiles={(files) => void attachments.addFiles(files)}
      onRemoveAttachment={attachments.remove}
      onDismissErrors={attachments.dismissErrors}
      onSend={(text) => {
        onSend(text, attachments.attachments.map((item) => item.name));
        attachments.reset();
        return undefined;
      }}
      onStop={() => undefined}
      streaming={streaming}
      thinkingSupported={thinkingSupported}
      thinking={thinking}
      onThinkingChange={setThinking}
    />
  );
}

/** A File whose reported size is `size` without allocating it. */
function sizedFile(name: string, type: string, size: number): File {
  const file = new File(['x'], name, { type });
  Object.defineProperty(file, 'size', { value: size });
  return file;
}

describe('Composer', () => {
  it('refuses an oversized attachment before reading it, and keeps the ones that fit (with a preview)', async () => {
    const user = userEvent.setup({ applyAccept: false });
    const onSend = vi.fn();
    render(<Harness onSend={onSend} />);
    await user.upload(screen.getByTestId('file-input'), [
      sizedFile('big.png', 'image/png', ATTACHMENT_LIMITS.imageBytes + 1),
      new File([new Uint8Array([1, 2, 3])], 'small.png', { type: 'image/png' }),
    ]);
    expect(await screen.findByRole('alert')).toHaveTextContent('big.png is 3.75 MB; images may be at most 3.75 MB.');
    expect(await screen.findByRole('img', { name: 'Preview of small.png' })).toHaveAttribute('src', 'data:image/png;base64,AQID');
    expect(screen.queryByRole('img', { name: 'Preview of big.png' })).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Send message' }));
    expect(onSend).toHaveBeenCalledWith('', ['small.png']);
  });

  it('adds a pasted image and removes it on request', async () => {
    const user = userEvent.setup();
    render(<Harness onSend={() => undefined} />);
    await user.click(screen.getByLabelText('Message'));
    await user.paste({ files: [new File([new Uint8Array([7])], 'pasted.png', { type: 'image/png' })] } as unknown as DataTransfer);
    expect(await screen.findByRole('img', { name: 'Preview of pasted.png' })).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Remove pasted.png' }));
    expect(screen.queryByRole('img', { name: 'Preview of pasted.png' })).not.toBeInTheDocument();
  });

  it('sends on Enter, keeps Shift+Enter as a new line, and shows Stop while streaming', async () => {
    const user = userEvent.setup();
    const onSend = vi.fn();
    const { rerender } = render(<Harness onSend={onSend} />);
    await user.type(screen.getByLabelText('Message'), 'line one{Shift>}{Enter}{/Shift}line two{Enter}');
    expect(onSend).toHaveBeenCalledWith('line one\nline two', []);
    expect(screen.getByLabelText('Message')).toHaveValue('');
    expect(screen.queryByRole('switch', { name: 'Thinking' })).not.toBeInTheDocument();
    rerender(<Harness onSend={onSend} streaming thinkingSupported />);
    expect(screen.getByRole('button', { name: 'Stop the answer' })).toBeInTheDocument();
    expect(screen.getByRole('switch', { name: 'Thinking' })).toBeInTheDocument();
  });
});
