/*
 * ABI probe for xenkit's Xen 4.17 and 4.20 facts (src/xen/abi-data.ts, flags.ts, emulation.ts, domid.ts).
 *
 * Built and run by test/xen/abi.test.ts against libxen-dev's headers: Debian 12's installed ones
 * (Xen 4.17: `cc -std=gnu11 -o probe probe.c && ./probe`) and Debian 13 "trixie"'s (Xen 4.20) in the
 * staging root of test/xen-qemu/trixie.sh (`cc -std=gnu11 -I ROOT/usr/include ...`).
 * Prints one JSON object on stdout: the interface versions, sizeof/_Alignof/offsetof of every field
 * of the createdomain, x86 arch config, getdomaininfo and physinfo structs, sizeof(struct xen_domctl),
 * and the values of the XEN_DOMCTL_CDF_*, XEN_X86_EMU_*, XEN_X86_MSR_RELAXED, XEN_DOMINF_*,
 * XEN_SYSCTL_PHYSCAP_* and DOMID_* constants.
 *
 * The field and constant lists below are 4.17's (xen/include/public/domctl.h, sysctl.h,
 * arch-x86/xen.h at RELEASE-4.17.x); 4.20's are the same but for struct xen_domctl_createdomain's
 * altp2m_opts (after grant_opts; xen/include/public/domctl.h at RELEASE-4.20.0, where
 * XEN_DOMCTL_INTERFACE_VERSION is 0x17). Layouts are only emitted when the headers say
 * XEN_DOMCTL_INTERFACE_VERSION 0x15 (4.17) or 0x17 (4.20) and XEN_SYSCTL_INTERFACE_VERSION 0x15,
 * so other releases' headers still give a clean "wrong release" answer rather than a compile error.
 */
#include <stddef.h>
#include <stdio.h>
#include <xenctrl.h> /* defines __XEN_TOOLS__; pulls in xen/domctl.h, xen/sysctl.h, xen/arch-x86/xen.h */

#if !defined(__x86_64__)
#error "the probe describes the x86_64 layouts: build it on x86_64"
#endif

static int first;

static inline void begin_obj(const char *key) { printf(",\n  \"%s\": {", key); first = 1; }
static inline void end_obj(void) { printf("}"); }
static inline void kv(const char *name, unsigned long long v) { printf("%s\"%s\": %llu", first ? "" : ", ", name, v); first = 0; }

static inline void begin_struct(const char *name, size_t size, size_t align)
{
    printf("%s\n    \"%s\": {\"size\": %zu, \"align\": %zu, \"fields\": [", first ? "" : ",", name, size, align);
    first = 0;
}
static int ffirst;
static inline void field(const char *name, size_t off, size_t size)
{
    printf("%s[\"%s\", %zu, %zu]", ffirst ? "" : ", ", name, off, size);
    ffirst = 0;
}

#define STRUCT(T) for (int once_ = (begin_struct(#T, sizeof(struct T), _Alignof(struct T)), ffirst = 1, 1); once_; once_ = 0, printf("]}"))
#define FIELD(T, f) field(#f, offsetof(struct T, f), sizeof(((struct T *)0)->f))
#define K(prefix, name) kv(#name, (unsigned long long)(prefix##name))

int main(void)
{
    printf("{\n  \"domctl_interface_version\": %u", (unsigned)XEN_DOMCTL_INTERFACE_VERSION);
    printf(",\n  \"sysctl_interface_version\": %u", (unsigned)XEN_SYSCTL_INTERFACE_VERSION);
    printf(",\n  \"domid\": {\"DOMID_FIRST_RESERVED\": %u, \"DOMID_INVALID\": %u, \"DOMID_IDLE\": %u}",
           (unsigned)DOMID_FIRST_RESERVED, (unsigned)DOMID_INVALID, (unsigned)DOMID_IDLE);

#if (XEN_DOMCTL_INTERFACE_VERSION == 0x15 || XEN_DOMCTL_INTERFACE_VERSION == 0x17) && XEN_SYSCTL_INTERFACE_VERSION == 0x15
    printf(",\n  \"layouts\": true");
    printf(",\n  \"domctl_size\": %zu", sizeof(struct xen_domctl));

    printf(",\n  \"structs\": {");
    first = 1;
    STRUCT(xen_domctl_createdomain) {
        FIELD(xen_domctl_createdomain, ssidref);
        FIELD(xen_domctl_createdomain, handle);
        FIELD(xen_domctl_createdomain, flags);
        FIELD(xen_domctl_createdomain, iommu_opts);
        FIELD(xen_domctl_createdomain, max_vcpus);
        FIELD(xen_domctl_createdomain, max_evtchn_port);
        FIELD(xen_domctl_createdomain, max_grant_frames);
        FIELD(xen_domctl_createdomain, max_maptrack_frames);
        FIELD(xen_domctl_createdomain, grant_opts);
#if XEN_DOMCTL_INTERFACE_VERSION >= 0x17
        FIELD(xen_domctl_createdomain, altp2m_opts);
#endif
        FIELD(xen_domctl_createdomain, vmtrace_size);
        FIELD(xen_domctl_createdomain, cpupool_id);
        FIELD(xen_domctl_createdomain, arch);
    }
    STRUCT(xen_arch_domainconfig) {
        FIELD(xen_arch_domainconfig, emulation_flags);
        FIELD(xen_arch_domainconfig, misc_flags);
    }
    STRUCT(xen_domctl_getdomaininfo) {
        FIELD(xen_domctl_getdomaininfo, domain);
        FIELD(xen_domctl_getdomaininfo, pad1);
        FIELD(xen_domctl_getdomaininfo, flags);
        FIELD(xen_domctl_getdomaininfo, tot_pages);
        FIELD(xen_domctl_getdomaininfo, max_pages);
        FIELD(xen_domctl_getdomaininfo, outstanding_pages);
        FIELD(xen_domctl_getdomaininfo, shr_pages);
        FIELD(xen_domctl_getdomaininfo, paged_pages);
        FIELD(xen_domctl_getdomaininfo, shared_info_frame);
        FIELD(xen_domctl_getdomaininfo, cpu_time);
        FIELD(xen_domctl_getdomaininfo, nr_online_vcpus);
        FIELD(xen_domctl_getdomaininfo, max_vcpu_id);
        FIELD(xen_domctl_getdomaininfo, ssidref);
        FIELD(xen_domctl_getdomaininfo, handle);
        FIELD(xen_domctl_getdomaininfo, cpupool);
        FIELD(xen_domctl_getdomaininfo, gpaddr_bits);
        FIELD(xen_domctl_getdomaininfo, pad2);
        FIELD(xen_domctl_getdomaininfo, arch_config);
    }
    STRUCT(xen_sysctl_physinfo) {
        FIELD(xen_sysctl_physinfo, threads_per_core);
        FIELD(xen_sysctl_physinfo, cores_per_socket);
        FIELD(xen_sysctl_physinfo, nr_cpus);
        FIELD(xen_sysctl_physinfo, max_cpu_id);
        FIELD(xen_sysctl_physinfo, nr_nodes);
        FIELD(xen_sysctl_physinfo, max_node_id);
        FIELD(xen_sysctl_physinfo, cpu_khz);
        FIELD(xen_sysctl_physinfo, capabilities);
        FIELD(xen_sysctl_physinfo, arch_capabilities);
        FIELD(xen_sysctl_physinfo, pad);
        FIELD(xen_sysctl_physinfo, total_pages);
        FIELD(xen_sysctl_physinfo, free_pages);
        FIELD(xen_sysctl_physinfo, scrub_pages);
        FIELD(xen_sysctl_physinfo, outstanding_pages);
        FIELD(xen_sysctl_physinfo, max_mfn);
        FIELD(xen_sysctl_physinfo, hw_cap);
    }
    printf("\n  }");

    /* Constants: full values (the test derives the bit numbers and checks each is a single bit). */
    begin_obj("cdf");
    K(XEN_DOMCTL_CDF_, hvm);
    K(XEN_DOMCTL_CDF_, hap);
    K(XEN_DOMCTL_CDF_, s3_integrity);
    K(XEN_DOMCTL_CDF_, oos_off);
    K(XEN_DOMCTL_CDF_, xs_domain);
    K(XEN_DOMCTL_CDF_, iommu);
    K(XEN_DOMCTL_CDF_, nested_virt);
    K(XEN_DOMCTL_CDF_, vpmu);
    end_obj();
    printf(",\n  \"cdf_max\": %u", (unsigned)XEN_DOMCTL_CDF_MAX);

    begin_obj("x86_emu");
    K(XEN_X86_EMU_, LAPIC);
    K(XEN_X86_EMU_, HPET);
    K(XEN_X86_EMU_, PM);
    K(XEN_X86_EMU_, RTC);
    K(XEN_X86_EMU_, IOAPIC);
    K(XEN_X86_EMU_, PIC);
    K(XEN_X86_EMU_, VGA);
    K(XEN_X86_EMU_, IOMMU);
    K(XEN_X86_EMU_, PIT);
    K(XEN_X86_EMU_, USE_PIRQ);
    K(XEN_X86_EMU_, VPCI);
    end_obj();
    printf(",\n  \"x86_emu_all\": %u", (unsigned)XEN_X86_EMU_ALL);
    printf(",\n  \"x86_msr_relaxed\": %u", (unsigned)XEN_X86_MSR_RELAXED);
    printf(",\n  \"x86_misc_flags_max\": %u", (unsigned)XEN_X86_MISC_FLAGS_MAX);

    begin_obj("dominf");
    K(XEN_DOMINF_, dying);
    K(XEN_DOMINF_, hvm_guest);
    K(XEN_DOMINF_, shutdown);
    K(XEN_DOMINF_, paused);
    K(XEN_DOMINF_, blocked);
    K(XEN_DOMINF_, running);
    K(XEN_DOMINF_, debugged);
    K(XEN_DOMINF_, xs_domain);
    K(XEN_DOMINF_, hap);
    end_obj();

    begin_obj("physcap");
    K(XEN_SYSCTL_PHYSCAP_, hvm);
    K(XEN_SYSCTL_PHYSCAP_, pv);
    K(XEN_SYSCTL_PHYSCAP_, directio);
    K(XEN_SYSCTL_PHYSCAP_, hap);
    K(XEN_SYSCTL_PHYSCAP_, shadow);
    K(XEN_SYSCTL_PHYSCAP_, iommu_hap_pt_share);
    K(XEN_SYSCTL_PHYSCAP_, vmtrace);
    K(XEN_SYSCTL_PHYSCAP_, vpmu);
    K(XEN_SYSCTL_PHYSCAP_, gnttab_v1);
    K(XEN_SYSCTL_PHYSCAP_, gnttab_v2);
    end_obj();
    printf(",\n  \"physcap_max\": %u", (unsigned)XEN_SYSCTL_PHYSCAP_MAX);
#else
    printf(",\n  \"layouts\": false");
#endif
    printf("\n}\n");
    return 0;
}
