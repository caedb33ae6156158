import { useEffect, useRef, useState } from 'react';
import type { ThinkingBlock } from '../../chat/turn-reducer.js';
import { BrainIcon, ChevronIcon } from '../common/icons.js';

/** The model's reasoning: open while it streams, folded once the model moves on (the user can toggle). */
export function ThinkingPanel({ block }: { block: ThinkingBlock }) {
  const [open, setOpen] = useState(!block.closed);
  const touched = useRef(false);
  useEffect(() => {
    if (block.closed && !touched.current) setOpen(false);
  }, [block.closed]);
  const words = block.text.trim() ? block.text.trim().split(/\s+/).length : 0;
  return (
    <section className={`thinking${block.closed ? '' : ' thinking-live'}`}>
      <button
        type="button"
        className="thinking-toggle"
        aria-expanded={open}
        onClick={() => {
          touched.current = true;
          setOpen(!open);
        }}
      >
        <ChevronIcon size={14} className="chevron" />
        <BrainIcon size={16} />
        <span>{block.closed ? 'Thought' : 'Thinking…'}</span>
        {words > 0 ? <span className="muted">{words} words</span> : null}
      </button>
      {open ? (
        <div className="thinking-body">
          {block.redacted && !block.text ? <em className="muted">The model's reasoning was redacted by the provider.</em> : block.text}
        </div>
      ) : null}
    </section>
  );
}
