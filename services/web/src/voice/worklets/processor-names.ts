/** Names the worklet modules register their processors under (kept apart so the main thread imports no worklet code). */
export const CAPTURE_PROCESSOR = 'bmcp-capture';
export const PLAYBACK_PROCESSOR = 'bmcp-playback';
