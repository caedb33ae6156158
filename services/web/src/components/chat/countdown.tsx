import { useEffect, useState } from 'react';

/** `m:ss`, or `h:mm:ss` from an hour up. */
function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** Time left until `expiresAt` (epoch ms), ticking each second while `running`; the exact time on hover. */
export function Countdown({ expiresAt, running }: { expiresAt: number; running: boolean }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running]);
  const at = new Date(expiresAt);
  const remaining = expiresAt - now;
  return (
    <time className="ask-countdown" dateTime={at.toISOString()} title={`Expires at ${at.toLocaleTimeString()}`}>
      {remaining > 0 ? `expires in ${formatRemaining(remaining)}` : 'time is up'}
    </time>
  );
}
