import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDiskSpec } from '../../src/toolstack/xlcfg/disk.js';
import { parseVifSpec } from '../../src/toolstack/xlcfg/vif.js';
import { xerr } from './util.js';

const base = { readwrite: true, cdrom: false, removable: false, directIoSafe: false, format: 'raw' };

test('disk: the positional form, target,format,vdev,access', () => {
  assert.deepEqual(parseDiskSpec('/dev/vg/guest-volume,raw,xvda,rw'), { ...base, target: '/dev/vg/guest-volume', vdev: 'xvda' });
  assert.deepEqual(parseDiskSpec('/srv/g.qcow2,qcow2,xvdb,r'), { ...base, target: '/srv/g.qcow2', vdev: 'xvdb', format: 'qcow2', readwrite: false });
  assert.deepEqual(parseDiskSpec('/dev/x,,xvda'), { ...base, target: '/dev/x', vdev: 'xvda' }, 'an empty format is raw');
});

test('disk: deprecated prefixes take the format slot away (phy: sets nothing else)', () => {
  assert.deepEqual(parseDiskSpec('phy:/dev/vg/g,xvda,w'), { ...base, target: '/dev/vg/g', vdev: 'xvda' });
  assert.deepEqual(parseDiskSpec('file:/srv/x.img,hda,r'), { ...base, target: '/srv/x.img', vdev: 'hda', readwrite: false });
  assert.deepEqual(parseDiskSpec('qcow2:/srv/x,xvda'), { ...base, target: '/srv/x', vdev: 'xvda', format: 'qcow2' });
  assert.deepEqual(parseDiskSpec('nbd:host:1234,xvda,w'), { ...base, target: 'host:1234', vdev: 'xvda', script: 'block-nbd' });
});

test('disk: cdroms, empty or not', () => {
  const cd = { ...base, cdrom: true, removable: true, readwrite: false };
  assert.deepEqual(parseDiskSpec(',,hdc:cdrom,r'), { ...cd, target: '', vdev: 'hdc', format: 'empty' });
  assert.deepEqual(parseDiskSpec('/srv/d.iso,raw,hdc,devtype=cdrom'), { ...cd, target: '/srv/d.iso', vdev: 'hdc' });
  assert.deepEqual(parseDiskSpec('vdev=hdc,cdrom'), { ...cd, vdev: 'hdc', format: 'empty' });
});

test('disk: key=value options and flags, anywhere; target= eats the rest', () => {
  assert.deepEqual(parseDiskSpec('format=qcow2,vdev=xvdb,access=ro,target=/a,b.img'), { ...base, target: '/a,b.img', vdev: 'xvdb', format: 'qcow2', readwrite: false });
  assert.deepEqual(
    parseDiskSpec('vdev=xvda,backendtype=qdisk,backend=dd,script=block-x,specification=virtio,discard,direct-io-safe,trusted,target=/x'),
    { ...base, target: '/x', vdev: 'xvda', backendtype: 'qdisk', backend: 'dd', script: 'block-x', specification: 'virtio', discard: true, directIoSafe: true, trusted: true },
  );
  assert.deepEqual(parseDiskSpec('/x,raw,xvda,no-discard,untrusted'), { ...base, target: '/x', vdev: 'xvda', discard: false, trusted: false });
  assert.deepEqual(
    parseDiskSpec('/x,raw,xvda,colo,colo-host=h,colo-port=9000,colo-export=e,active-disk=/a,hidden-disk=/h'),
    { ...base, target: '/x', vdev: 'xvda', colo: true, coloHost: 'h', coloPort: 9000, coloExport: 'e', activeDisk: '/a', hiddenDisk: '/h' },
  );
});

test('disk: standalone use throws XLCFG_INVALID with xl\'s words', () => {
  const e = xerr(() => parseDiskSpec('/x,raw'), 'XLCFG_INVALID');
  assert.equal(e.field, 'disk');
  assert.match(e.message, /no vdev specified/);
});

test('vif: an empty spec is a nic with only its index as devid', () => {
  assert.deepEqual(parseVifSpec('', 0), { devid: 0 });
  assert.deepEqual(parseVifSpec('', 3), { devid: 3 });
});

test('vif: the options of xl-network-configuration', () => {
  assert.deepEqual(parseVifSpec('mac=00:16:3E:01:02:03,bridge=xenbr0,type=ioemu,model=e1000', 0), {
    devid: 0,
    mac: '00:16:3e:01:02:03',
    bridge: 'xenbr0',
    type: 'ioemu',
    model: 'e1000',
  });
  assert.deepEqual(parseVifSpec(' vifname=web0, ip=10.0.0.2 10.0.0.3,script=vif-route,backend=netdom,mtu=9000,devid=7,type=vif,gatewaydev=eth0,untrusted', 1), {
    devid: 7,
    vifname: 'web0',
    ip: '10.0.0.2 10.0.0.3',
    script: 'vif-route',
    backend: 'netdom',
    mtu: 9000,
    type: 'vif',
    gatewaydev: 'eth0',
    trusted: false,
  });
  assert.deepEqual(parseVifSpec('mac=0:16:3e:1:2:a', 0).mac, '00:16:3e:01:02:0a');
  assert.deepEqual(parseVifSpec('forwarddev=eth1,colo_sock_mirror_id=m1', 0).colo, { coloft_forwarddev: 'eth1', colo_sock_mirror_id: 'm1' });
});

test('vif: rate, per second with an optional replenishment interval (50ms by default)', () => {
  assert.deepEqual(parseVifSpec('rate=10Mb/s@20ms', 0).rate, { bytesPerInterval: 25_000, intervalUsecs: 20_000 });
  assert.deepEqual(parseVifSpec('rate=100MB/s', 0).rate, { bytesPerInterval: 5_000_000, intervalUsecs: 50_000 });
  assert.deepEqual(parseVifSpec('rate=1KB/s@1s', 0).rate, { bytesPerInterval: 1000, intervalUsecs: 1_000_000 });
  assert.deepEqual(parseVifSpec('rate=8b/s@500us', 0).rate, { bytesPerInterval: 0, intervalUsecs: 500 });
});

test('vif: xl\'s notices for deprecated and unsupported options', () => {
  const notes: string[] = [];
  assert.deepEqual(parseVifSpec('netdev=eth0,accel=x', 0, (m) => notes.push(m)), { devid: 0, gatewaydev: 'eth0' });
  assert.deepEqual(notes, ['vif: the netdev parameter is deprecated, please use gatewaydev instead', 'vif: the accel parameter for vifs is currently not supported']);
});
