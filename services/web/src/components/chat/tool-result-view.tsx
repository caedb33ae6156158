import { useState } from 'react';
import type { ShownResultPart } from '../../chat/turn-reducer.js';
import { Modal } from '../common/modal.js';

/** Text that is JSON is shown pretty-printed; anything else as it is. */
export function prettyText(text: string): { text: string; json: boolean } {
  const trimmed = text.trim();
  if ((trimmed.startsWith('{') && trimmed.endsWith('}')) || (trimmed.startsWith('[') && trimmed.endsWith(']'))) {
    try {
      return { text: JSON.stringify(JSON.parse(trimmed), null, 2), json: true };
    } catch {
      // not JSON after all
    }
  }
  return { text, json: false };
}

function ResultImage({ mimeType, data, url, index }: { mimeType: string; data: string; url?: string; index: number }) {
  const [zoomed, setZoomed] = useState(false);
  if (!data && !url) return <p className="muted">(image not kept after reload)</p>;
  const src = url ?? `data:${mimeType};base64,${data}`;
  const alt = `Tool result image ${index + 1}`;
  return (
    <>
      <button type="button" className="result-image" onClick={() => setZoomed(true)} aria-label={`Enlarge ${alt.toLowerCase()}`}>
        <img src={src} alt={alt} loading="lazy" />
      </button>
      {zoomed ? (
        <Modal title={alt} onClose={() => setZoomed(false)} wide>
          <img className="zoomed-image" src={src} alt={alt} />
        </Modal>
      ) : null}
    </>
  );
}

/** A tool's result parts: text (JSON pretty-printed), images inline, resources by URI. */
export function ToolResultView({ parts }: { parts: ShownResultPart[] }) {
  if (parts.length === 0) return <p className="muted">(no output)</p>;
  let imageIndex = 0;
  return (
    <div className="tool-result">
      {parts.map((part, index) => {
        if (part.type === 'text') {
          const pretty = prettyText(part.text);
          return (
            <pre key={index} className={pretty.json ? 'json' : 'plain'}>
              {pretty.text}
            </pre>
          );
        }
        if (part.type === 'image') {
          const current = imageIndex;
          imageIndex += 1;
          return <ResultImage key={index} mimeType={part.mimeType} data={part.data} url={part.url} index={current} />;
        }
        if (part.mimeType?.startsWith('image/') && (part.blob || part.url)) {
          const current = imageIndex;
          imageIndex += 1;
          return <ResultImage key={index} mimeType={part.mimeType} data={part.blob ?? ''} url={part.url} index={current} />;
        }
        return (
          <div key={index} className="tool-resource">
            <code>{part.uri}</code>
            {part.text ? (
              <pre className="plain">{prettyText(part.text).text}</pre>
            ) : part.url ? (
              <a href={part.url} download>
                {' '}
                (download, {part.mimeType ?? 'unknown type'})
              </a>
            ) : part.blob ? (
              <span className="muted"> (binary, {part.mimeType ?? 'unknown type'})</span>
            ) : null}
          </div>
        );
      })}
    </div>
  );
}
