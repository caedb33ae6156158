import type { MeResponse } from '@bedrock-mcp/contracts';
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { ChevronIcon, KeyIcon, SignOutIcon } from '../common/icons.js';

export interface UserMenuProps {
  me: MeResponse;
  onOpenApiKeys: () => void;
  /** `everywhere`: every session of the user, on every device. */
  onSignOut: (everywhere: boolean) => void;
}

const LOCAL_USER_NOTE = 'local user — no identity provider configured';

/**
 * The signed-in person in the header (display name; the user id on hover), with a menu: API keys,
 * sign out, sign out everywhere. A menu button as WAI-ARIA describes it: arrows move between the
 * items, Escape closes and gives focus back to the button.
 */
export function UserMenu({ me, onOpenApiKeys, onSignOut }: UserMenuProps) {
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const local = me.auth_method === 'local';

  const items = () => [...(menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) buttonRef.current?.focus();
  };

  useEffect(() => {
    if (!open) return undefined;
    items()[0]?.focus();
    const onPointerDown = (event: MouseEvent) => {
      const target = event.target as Node;
      if (!menuRef.current?.contains(target) && !buttonRef.current?.contains(target)) setOpen(false);
    };
    document.addEventListener('mousedown', onPointerDown);
    return () => document.removeEventListener('mousedown', onPointerDown);
  }, [open]);

  const onMenuKeyDown = (event: KeyboardEvent) => {
    const all = items();
    const at = all.indexOf(document.activeElement as HTMLElement);
    const move = (index: number) => all[(index + all.length) % all.length]?.focus();
    if (event.key === 'ArrowDown') move(at + 1);
    else if (event.key === 'ArrowUp') move(at - 1);
    else if (event.key === 'Home') move(0);
    else if (event.key === 'End') move(all.length - 1);
    else if (event.key === 'Escape') close(true);
    else if (event.key === 'Tab') close(false);
    else return;
    if (event.key !== 'Tab') event.preventDefault();
    // Escape must not also close a dialog behind the menu.
    event.stopPropagation();
  };

  const choose = (action: () => void) => {
    close(true);
    action();
  };

  return (
    <div className="user-menu">
      <button
        ref={buttonRef}
        type="button"
        className="user-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        title={`Signed in as ${me.user_id}`}
        onClick={() => setOpen(!open)}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown' && !open) {
            event.preventDefault();
            setOpen(true);
          }
        }}
        data-testid="user-button"
      >
        <span className="user-avatar" aria-hidden="true">
          {initials(me.display_name || me.user_id)}
        </span>
        <span className="user-text">
          <span className="user-name">{me.display_name || me.user_id}</span>
          {local ? <span className="user-note">{LOCAL_USER_NOTE}</span> : null}
        </span>
        <ChevronIcon size={14} className="user-chevron" />
      </button>
      {open ? (
        <div ref={menuRef} id={menuId} className="menu" role="menu" aria-label="Account" onKeyDown={onMenuKeyDown}>
          <div className="menu-header" role="presentation">
            <span className="menu-name">{me.display_name || me.user_id}</span>
            <span className="menu-id">{me.user_id}</span>
            {local ? <span className="menu-note">{LOCAL_USER_NOTE}</span> : null}
          </div>
          <button type="button" role="menuitem" tabIndex={-1} className="menu-item" onClick={() => choose(onOpenApiKeys)}>
            <KeyIcon size={16} />
            API keys
          </button>
          <div className="menu-separator" role="separator" />
          <button type="button" role="menuitem" tabIndex={-1} className="menu-item" onClick={() => choose(() => onSignOut(false))}>
            <SignOutIcon size={16} />
            Sign out
          </button>
          <button type="button" role="menuitem" tabIndex={-1} className="menu-item" onClick={() => choose(() => onSignOut(true))}>
            <SignOutIcon size={16} />
            Sign out everywhere
          </button>
        </div>
      ) : null}
    </div>
  );
}

/** One or two letters for the avatar: the first letters of the first two words. */
function initials(name: string): string {
  const words = name.trim().split(/[\s._@-]+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0]!, words[1]!].map((word) => [...word][0]) : [...(words[0] ?? '?')].slice(0, 1);
  return letters.join('').toUpperCase();
}
