import type { DomainInfo } from '../hv/hypervisor.js';
import type { SimDomain } from './sim.js';

/**
 * XEN_DOMCTL_getdomaininfo's answer for a sim domain: what SimXen returns, and what `xk list`
 * reads straight from the state file (store.ts listStored) without building a SimXen.
 */
export function domainInfo(d: SimDomain): DomainInfo {
  const paused = d.pauseCount > 0;
  const shutdown = d.shutdownReason !== null;
  return {
    domid: d.domid,
    dying: false,
    hvm: d.hvm,
    shutdown,
    paused,
    blocked: false,
    running: isRunning(paused, shutdown, d.onlineVcpus),
    hap: d.hap,
    xs_domain: d.xsDomain,
    shutdown_reason: d.shutdownReason,
    tot_pages: d.totPages,
    max_pages: d.maxPages,
    nr_online_vcpus: d.onlineVcpus,
    // XEN_INVALID_MAX_VCPU_ID (~0U) until the vCPUs exist (measured on Xen 4.17, and 4.6-4.11 alike).
    max_vcpu_id: d.vcpusCreated && d.maxVcpus > 0 ? d.maxVcpus - 1 : 0xffffffff,
    cpu_time_ns: 0,
    ssidref: d.ssidref,
    handle: d.handle,
    cpupool: d.cpupool,
  };
}

/**
 * getdomaininfo(): blocked/running only with online vCPUs (xen/common/domctl.c); measured on Xen
 * 4.17: an unpaused domain whose vCPUs have no context is neither paused nor running.
 */
export function isRunning(paused: boolean, shutdown: boolean, onlineVcpus: number): boolean {
  return !paused && !shutdown && onlineVcpus > 0;
}
