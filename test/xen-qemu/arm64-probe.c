/*
 * xk-arm-probe: asks a real Arm Xen the createdomain cases of a replay script, from an arm64 dom0
 * (test/xen-qemu/arm64.sh boots it), and prints one answer line per case in `xk replay`'s own
 * format, so that the answers compare line by line with the sim's (`xk replay` of the same script).
 *
 *   xk-arm-probe CASES.jsonl      (one flat JSON object per line; '#' lines and blank lines skipped)
 *
 * Operations: physinfo, createdomain, destroydomain. A createdomain line sets the fields of struct
 * xen_domctl_createdomain and of Arm's xen_arch_domainconfig by name (integers; a field not given is
 * 0, as in a zeroed struct); on success the answer carries the arch config as Xen wrote it back
 * (xc_domain_create() copies the domctl back: gic_version for GIC_NATIVE, clock_frequency).
 * A key or operation the probe does not know is an error line (and exit status 2), never ignored.
 *
 * Built statically against the release's libxen-dev (libxenctrl.a and what it links), so that the
 * dom0 needs no shared libraries: aarch64-linux-gnu-gcc -static -I ROOT/usr/include ...
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>

#define MAX_KEYS 32

struct kv {
    char key[32];
    char str[32];      /* a string value (op) */
    long long num;     /* an integer value */
    int is_str;
};

static int bad;

/* One flat JSON object of string and integer values; returns the number of pairs, -1 if malformed. */
static int parse_line(const char *s, struct kv *kv)
{
    int n = 0;
    while ( isspace((unsigned char)*s) ) s++;
    if ( *s++ != '{' ) return -1;
    for ( ;; )
    {
        while ( isspace((unsigned char)*s) ) s++;
        if ( *s == '}' ) return n;
        if ( n == MAX_KEYS || *s++ != '"' ) return -1;
        size_t k = strcspn(s, "\"");
        if ( !s[k] || k >= sizeof(kv[n].key) ) return -1;
        memcpy(kv[n].key, s, k);
        kv[n].key[k] = 0;
        s += k + 1;
        while ( isspace((unsigned char)*s) ) s++;
        if ( *s++ != ':' ) return -1;
        while ( isspace((unsigned char)*s) ) s++;
        if ( *s == '"' )
        {
            size_t v = strcspn(++s, "\"");
            if ( !s[v] || v >= sizeof(kv[n].str) ) return -1;
            memcpy(kv[n].str, s, v);
            kv[n].str[v] = 0;
            kv[n].is_str = 1;
            s += v + 1;
        }
        else
        {
            char *end;
            errno = 0;
            kv[n].num = strtoll(s, &end, 0);
            if ( end == s || errno ) return -1;
            kv[n].is_str = 0;
            s = end;
        }
        n++;
        while ( isspace((unsigned char)*s) ) s++;
        if ( *s == ',' ) s++;
        else if ( *s != '}' ) return -1;
    }
}

static void fail_line(int line, const char *what, const char *key)
{
    printf("{\"line\":%d,\"ok\":false,\"error\":\"PROBE\",\"message\":\"%s %s\"}\n", line, what, key);
    bad = 1;
}

static void errno_line(int line, const char *op)
{
    const char *name = strerrorname_np(errno);
    printf("{\"line\":%d,\"op\":\"%s\",\"ok\":false,\"errno\":\"%s\"}\n", line, op, name ? name : "EUNKNOWN");
}

static void physinfo(xc_interface *xch, int line)
{
    static const struct { const char *name; uint32_t bit; } caps[] = {
        { "hvm", XEN_SYSCTL_PHYSCAP_hvm }, { "pv", XEN_SYSCTL_PHYSCAP_pv },
        { "directio", XEN_SYSCTL_PHYSCAP_directio }, { "hap", XEN_SYSCTL_PHYSCAP_hap },
        { "shadow", XEN_SYSCTL_PHYSCAP_shadow },
        { "iommu_hap_pt_share", XEN_SYSCTL_PHYSCAP_iommu_hap_pt_share },
        { "vmtrace", XEN_SYSCTL_PHYSCAP_vmtrace }, { "vpmu", XEN_SYSCTL_PHYSCAP_vpmu },
        { "gnttab_v1", XEN_SYSCTL_PHYSCAP_gnttab_v1 }, { "gnttab_v2", XEN_SYSCTL_PHYSCAP_gnttab_v2 },
    };
    xc_physinfo_t pi = { 0 };
    if ( xc_physinfo(xch, &pi) ) { errno_line(line, "physinfo"); return; }
    printf("{\"line\":%d,\"op\":\"physinfo\",\"ok\":true,\"nr_cpus\":%u,\"total_pages\":%llu,\"free_pages\":%llu,\"capabilities\":[",
           line, pi.nr_cpus, (unsigned long long)pi.total_pages, (unsigned long long)pi.free_pages);
    const char *sep = "";
    for ( size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++ )
        if ( pi.capabilities & caps[i].bit ) { printf("%s\"%s\"", sep, caps[i].name); sep = ","; }
    printf("]}\n");
}

/* Set one createdomain field by name; 0 if the name is not a field of this release's struct. */
static int set_field(struct xen_domctl_createdomain *c, uint32_t *domid, const struct kv *p)
{
#define F(name, dst) if ( !strcmp(p->key, name) ) { dst = p->num; return 1; }
    F("domid", *domid)
    F("ssidref", c->ssidref)
    F("flags", c->flags)
    F("iommu_opts", c->iommu_opts)
    F("max_vcpus", c->max_vcpus)
    F("max_evtchn_port", c->max_evtchn_port)
    F("max_grant_frames", c->max_grant_frames)
    F("max_maptrack_frames", c->max_maptrack_frames)
    F("grant_opts", c->grant_opts)
#ifdef XEN_DOMCTL_ALTP2M_mode_mask /* (4.19+: altp2m_opts and its modes) */
    F("altp2m_opts", c->altp2m_opts)
#endif
    F("vmtrace_size", c->vmtrace_size)
    F("cpupool_id", c->cpupool_id)
    F("gic_version", c->arch.gic_version)
#if XEN_DOMCTL_INTERFACE_VERSION >= 0x16 /* (4.18+: sve_vl) */
    F("sve_vl", c->arch.sve_vl)
#endif
    F("tee_type", c->arch.tee_type)
    F("nr_spis", c->arch.nr_spis)
    F("clock_frequency", c->arch.clock_frequency)
#undef F
    return 0;
}

static void createdomain(xc_interface *xch, int line, const struct kv *kv, int n)
{
    struct xen_domctl_createdomain c;
    uint32_t domid = 0;
    memset(&c, 0, sizeof(c));
    for ( int i = 0; i < n; i++ )
        if ( strcmp(kv[i].key, "op") && (kv[i].is_str || !set_field(&c, &domid, &kv[i])) )
            return fail_line(line, "createdomain: not an integer field of this release's struct:", kv[i].key);
    if ( xc_domain_create(xch, &domid, &c) ) return errno_line(line, "createdomain");
    /* the arch config's fields in the struct's order, as `xk replay` prints them */
    printf("{\"line\":%d,\"op\":\"createdomain\",\"ok\":true,\"domid\":%u,\"arch\":{\"gic_version\":%u,", line, domid, c.arch.gic_version);
#if XEN_DOMCTL_INTERFACE_VERSION >= 0x16
    printf("\"sve_vl\":%u,", c.arch.sve_vl);
#endif
    printf("\"tee_type\":%u,\"nr_spis\":%u,\"clock_frequency\":%u}}\n", c.arch.tee_type, c.arch.nr_spis, c.arch.clock_frequency);
}

static void destroydomain(xc_interface *xch, int line, const struct kv *kv, int n)
{
    long long domid = -1;
    for ( int i = 0; i < n; i++ )
        if ( !strcmp(kv[i].key, "domid") && !kv[i].is_str ) domid = kv[i].num;
        else if ( strcmp(kv[i].key, "op") ) return fail_line(line, "destroydomain: unknown key", kv[i].key);
    if ( domid < 0 || domid > 0xffff ) return fail_line(line, "destroydomain: needs", "domid");
    if ( xc_domain_destroy(xch, domid) ) return errno_line(line, "destroydomain");
    printf("{\"line\":%d,\"op\":\"destroydomain\",\"ok\":true}\n", line);
}

int main(int argc, char **argv)
{
    if ( argc != 2 ) { fprintf(stderr, "usage: xk-arm-probe CASES.jsonl\n"); return 1; }
    FILE *f = fopen(argv[1], "r");
    if ( !f ) { perror(argv[1]); return 1; }
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    if ( !xch ) { perror("xc_interface_open"); return 1; }
    char buf[4096];
    struct kv kv[MAX_KEYS];
    for ( int line = 1; fgets(buf, sizeof(buf), f); line++ )
    {
        char *s = buf;
        while ( isspace((unsigned char)*s) ) s++;
        if ( !*s || *s == '#' ) continue;
        int n = parse_line(s, kv);
        const char *op = NULL;
        for ( int i = 0; i < n; i++ )
            if ( !strcmp(kv[i].key, "op") && kv[i].is_str ) op = kv[i].str;
        if ( n < 0 || !op ) fail_line(line, "not a flat JSON object with an op:", "line");
        else if ( !strcmp(op, "physinfo") ) physinfo(xch, line);
        else if ( !strcmp(op, "createdomain") ) createdomain(xch, line, kv, n);
        else if ( !strcmp(op, "destroydomain") ) destroydomain(xch, line, kv, n);
        else fail_line(line, "operation not probed:", op);
        fflush(stdout);
    }
    xc_interface_close(xch);
    return bad ? 2 : 0;
}
