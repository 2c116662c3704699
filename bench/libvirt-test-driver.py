# The nearest peer: libvirt's test driver (test:///default), transient createXML + destroy cycles.
# Prints one JSON object: {"cycles": N, "seconds": S, "per_second": R}.
import json, sys, time
import libvirt

XML = """<domain type='test'><name>bench{n}</name><memory>262144</memory><vcpu>1</vcpu>
<os><type>hvm</type></os></domain>"""

libvirt.registerErrorHandler(lambda *a: None, None)
conn = libvirt.open("test:///default")
seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
n = 0
t0 = time.perf_counter()
while time.perf_counter() - t0 < seconds:
    dom = conn.createXML(XML.format(n=n), 0)
    dom.destroy()
    n += 1
dt = time.perf_counter() - t0
print(json.dumps({"cycles": n, "seconds": dt, "per_second": n / dt}))
