import { useCallback, useState } from 'react';
import { checkNewFiles, readAttachment, type Attachment } from './attachment.js';

let attachmentCounter = 0;

/** The attachments of the message being written: size-checked before they are read. */
export function useAttachments() {
  const [attachments, setAttachments] = useState<Attachment[]>([]);
  const [errors, setErrors] = useState<string[]>([]);

  const addFiles = useCallback(
    async (files: readonly File[]) => {
      if (files.length === 0) return;
      const check = checkNewFiles(attachments, files);
      const read: Attachment[] = [];
      const readErrors: string[] = [];
      for (const file of check.accepted) {
        attachmentCounter += 1;
        try {
          read.push(await readAttachment(file, `att-${Date.now().toString(36)}-${attachmentCounter}`));
        } catch (error) {
          readErrors.push(`${file.name} could not be read: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      setErrors([...check.errors, ...readErrors]);
      if (read.length > 0) setAttachments((current) => [...current, ...read]);
    },
    [attachments],
  );

  const remove = useCallback((id: string) => setAttachments((current) => current.filter((item) => item.id !== id)), []);
  const reset = useCallback(() => {
    setAttachments([]);
    setErrors([]);
  }, []);
  const dismissErrors = useCallback(() => setErrors([]), []);

  return { attachments, errors, addFiles, remove, reset, dismissErrors };
}
