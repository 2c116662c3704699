import { createRequire } from 'node:module';
import { XenkitError } from '../errors.js';

type Koffi = typeof import('koffi');

/**
 * koffi (the FFI both real-Xen paths use), loaded only when asked for. A missing or broken install is
 * an environment error that says what to do, not "Cannot find module" and exit 70.
 */
export function loadKoffi(): Koffi {
  try {
    return createRequire(import.meta.url)('koffi') as Koffi;
  } catch (e) {
    throw new XenkitError('NO_KOFFI', `the koffi module cannot be loaded (${(e as Error).message.split('\n')[0]}): the xen backend and libxl need it`, {
      field: 'backend',
      value: 'xen',
      hint: "reinstall xenkit's dependencies (npm install): koffi is missing or built for another platform; or use --backend sim",
    });
  }
}
