import { abi } from './abi.js';
import type { ReleaseId } from './releases.js';
import { shutdownReasonOf, type ShutdownReason } from './shutdown.js';

/**
 * XEN_DOMINF_* of struct xen_domctl_getdomaininfo's `flags` (xen/include/public/domctl.h): the bits
 * per release are in abi-data.ts (`dominf`); the guest's shutdown code sits in bits 16..23
 * (XEN_DOMINF_shutdownshift 16, XEN_DOMINF_shutdownmask 255, @RELEASE-4.6.0 .. @RELEASE-4.22.0).
 */
export const DOMINF_SHUTDOWN_SHIFT = 16;
export const DOMINF_SHUTDOWN_MASK = 255;

export interface DominfState {
  dying: boolean;
  hvm: boolean;
  shutdown: boolean;
  paused: boolean;
  blocked: boolean;
  running: boolean;
  hap: boolean;
  xs_domain: boolean;
  shutdown_reason: ShutdownReason | null;
}

/** Decode getdomaininfo's flags as release r numbers them (a bit the release lacks reads false). */
export function decodeDominf(r: ReleaseId, flags: number): DominfState {
  const bits = abi(r).dominf;
  const bit = (n: string) => bits[n] !== undefined && ((flags >>> bits[n]!) & 1) === 1;
  const shutdown = bit('shutdown');
  return {
    dying: bit('dying'),
    hvm: bit('hvm_guest'),
    shutdown,
    paused: bit('paused'),
    blocked: bit('blocked'),
    running: bit('running'),
    hap: bit('hap'),
    xs_domain: bit('xs_domain'),
    shutdown_reason: shutdown ? shutdownReasonOf((flags >>> DOMINF_SHUTDOWN_SHIFT) & DOMINF_SHUTDOWN_MASK) : null,
  };
}
