import { useEffect, useState } from 'preact/hooks';
import { live, subscribe } from './live.js';

/** Re-render on every change of the live store. */
export function useLive(): typeof live {
  const [, tick] = useState(0);
  useEffect(() => subscribe(() => tick((n) => n + 1)), []);
  return live;
}
