import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** A page loaded on first use (its own chunk: the editor stays out of the first load). */
export function lazyPage(load: () => Promise<ComponentType>): ComponentType {
  let cached: ComponentType | undefined;
  return function Lazy() {
    const [C, setC] = useState<ComponentType | undefined>(() => cached);
    const [err, setErr] = useState('');
    useEffect(() => {
      if (!cached) load().then((c) => setC(() => (cached = c)), (e) => setErr(String(e)));
    }, []);
    if (err) return <p role="alert">This page could not be loaded: {err}</p>;
    return C ? <C /> : <p aria-busy="true">Loading…</p>;
  };
}
