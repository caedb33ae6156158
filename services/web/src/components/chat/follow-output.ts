import { useCallback, useEffect, useRef, type RefObject, type UIEvent } from 'react';

/** A reader this close to the bottom (px) is at the bottom: the list follows new output. */
const AT_BOTTOM_PX = 80;

interface ScrollPosition {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
}

/**
 * Whether the list still follows new output after a scroll event. Only the reader moving up, away
 * from the bottom, stops it. Content that grew below after the list scrolled to the bottom (an
 * answer drawn at its real height, where an off-screen message had its estimate) leaves the view
 * above the bottom too, but the view did not move up: the list goes on following.
 */
export function keepsFollowing(following: boolean, previousScrollTop: number, position: ScrollPosition): boolean {
  if (position.scrollHeight - position.scrollTop - position.clientHeight < AT_BOTTOM_PX) return true;
  return following && position.scrollTop >= previousScrollTop;
}

/**
 * Keeps a scrolling list at its bottom while the reader is there, whenever its content changes size
 * (a ResizeObserver: new output, and messages off screen that are laid out at an estimated height,
 * CSS content-visibility, until they are shown). No scroll position is read on a change that did
 * not move the end. A new `restartKey` (another conversation) goes to the bottom and follows from
 * there. Returns the scroll container's onScroll.
 */
export function useFollowOutput(scroller: RefObject<HTMLElement | null>, content: RefObject<HTMLElement | null>, restartKey: string) {
  const following = useRef(true);
  const lastScrollTop = useRef(0);

  const toBottom = useCallback(() => {
    const element = scroller.current;
    if (element && following.current) element.scrollTop = element.scrollHeight;
  }, [scroller]);

  useEffect(() => {
    following.current = true;
    lastScrollTop.current = 0;
    toBottom();
  }, [restartKey, toBottom]);

  useEffect(() => {
    const element = content.current;
    if (!element || typeof ResizeObserver === 'undefined') return undefined;
    const observer = new ResizeObserver(toBottom);
    observer.observe(element);
    return () => observer.disconnect();
  }, [content, toBottom]);

  const onScroll = useCallback((event: UIEvent<HTMLElement>) => {
    const element = event.currentTarget;
    following.current = keepsFollowing(following.current, lastScrollTop.current, element);
    lastScrollTop.current = element.scrollTop;
  }, []);
  return onScroll;
}
