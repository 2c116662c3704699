import type { Campaign, Lease } from 'etcd3';
import { ApiFailure } from '../failure.js';
import type { Service } from '../service.js';
import { PoolState, type Json } from './state.js';
import type { EtcdTls } from './url.js';
import { mirrorAuth, pushUsers } from './auth-mirror.js';

export interface MemberOptions {
  /** etcd client URLs (http://HOST:PORT, or https:// with `etcdTls`). */
  etcd: string[];
  /** TLS to etcd (etcds://): the CA and this member's client certificate (url.ts parsePoolTls). */
  etcdTls?: EtcdTls;
  pool: string;
  /** The address other members and clients reach this one at (HOST_IS_SLAVE carries it), and its port. */
  address: string;
  port: number;
  /** Lease TTL in seconds: a member silent this long is dead, a coordinator replaced (default 10). */
  ttl?: number;
  /** This member's TLS certificate (PEM) when it serves https: published, so members call it over https pinned to it. */
  tlsCert?: string;
  log?: (msg: string, o?: Json) => void;
}

/** What a member publishes about itself (host/<uuid>); it stays when the member dies (marked dead). */
export interface HostRec extends Json {
  ref: string; uuid: string; metrics: string; dom0: string; dom0Uuid: string; address: string; port: number; name: string;
  release: string; version: string; caps: Json; cpus: number; total_mib: number; free_mib: number; enabled: boolean;
  /** Its TLS certificate (PEM), when it serves https. */
  cert?: string;
}

/** Where etcd3's election recipe keeps the campaign keys of the coordinator election, under the pool's prefix. */
const ELECTION_NAME = 'coordinator';
export const ELECTION_DIR = `election/${ELECTION_NAME}/`;

/**
 * This host as a pool member: its record, a lease-bound `live/<uuid>` key (host_metrics.live follows
 * it), and its candidacy in the coordinator election (etcd's election recipe: the oldest live lease on
 * the election prefix leads). While etcd does not answer the lease keepalive, `down` says why.
 */
export class PoolMember {
  readonly state: PoolState;
  readonly ttl: number;
  lease?: Lease;
  coordinator?: { uuid: string; address: string };
  isCoordinator = false;
  /**
   * Why this member accepts no change, if so: its lease lost, or etcd has not answered its lease
   * keepalive for the whole TTL. Like etcd's Go client (clientv3/lease.go, etcd 3.4: a keepalive's
   * deadline is its answer's arrival plus the TTL; concurrency.Session ends past it), the lease is
   * taken as alive until then; past it, another member may hold the coordinator's lease.
   */
  get down(): string | undefined {
    if (this.lost) return this.lost;
    const age = Date.now() - this.lastAnswer;
    if (age > this.ttl * 1000) return `the pool store (etcd) has not answered this member's lease keepalive for ${(age / 1000).toFixed(1)} s (the lease lasts ${this.ttl} s)`;
    return undefined;
  }
  private lost?: string;
  /** When etcd last answered this member's lease keepalive (or granted the lease). */
  private lastAnswer = Date.now();
  private failing = false;
  private campaign?: Campaign;
  private leaderReads = 0;
  private closed = false;
  private changeHooks: (() => void)[] = [];
  private leaderWaits: (() => void)[] = [];

  constructor(readonly svc: Service, readonly opts: MemberOptions) {
    this.ttl = opts.ttl ?? 10;
    this.state = new PoolState(opts.etcd, opts.pool, { tls: opts.etcdTls });
  }

  get uuid(): string {
    return this.svc.host.ids.hostUuid;
  }
  log(msg: string, o?: Json): void {
    this.opts.log?.(msg, o);
  }
  onRoleChange(fn: () => void): void {
    this.changeHooks.push(fn);
  }

  /** Join: read the pool, create it if this is the first member, publish this host, campaign. */
  async join(record: HostRec): Promise<void> {
    await this.state.open();
    const ids = this.svc.host.ids;
    await this.state.cas('pool', 0, { ref: ids.pool, uuid: ids.poolUuid, name_label: this.opts.pool, name_description: '', other_config: {} });
    await pushUsers(this);
    mirrorAuth(this);
    await this.state.update(`host/${this.uuid}`, (cur) => ({ ...record, enabled: cur?.enabled ?? true }));
    await this.goLive();
    this.state.onChange((c) => c.key.startsWith(ELECTION_DIR) && void this.readLeader());
    await this.readLeader();
    this.run();
  }

  /**
   * The coordinator: of the campaign keys, the one created first (etcd's election recipe, Leader()
   * in client/v3/concurrency/election.go), read again after every change under the election prefix
   * (this member's one watch brings them; a later read wins over an earlier one still in flight).
   * Not etcd3's ElectionObserver: after an empty election, 1.1.2's takes the *last* put of the first
   * watch batch as the leader, so with members campaigning at once one of them named itself the
   * coordinator while another was (HOST_IS_SLAVE pointing at itself; seen running the README's
   * three-host guide). A read that fails is tried again 500 ms later while no newer one started.
   */
  private async readLeader(): Promise<void> {
    const n = ++this.leaderReads;
    try {
      const v = await this.state.firstCreated(ELECTION_DIR);
      if (n === this.leaderReads) this.setLeader(v);
    } catch {
      // tried again shortly unless a newer read started (a change arrived); the watch's re-read
      // after an outage reads it too
      if (n === this.leaderReads && !this.closed) setTimeout(() => n === this.leaderReads && void this.readLeader(), 500).unref();
    }
  }

  private setLeader(v: string | undefined): void {
    try {
      this.coordinator = v ? (JSON.parse(v) as { uuid: string; address: string }) : undefined;
    } catch {
      this.coordinator = undefined;
    }
    for (const h of this.changeHooks) h();
    for (const w of this.leaderWaits.splice(0)) w();
  }

  /** Resolves when the coordinator is next read (after a change under the election prefix), or after `ms`. */
  nextLeader(ms: number): Promise<void> {
    return new Promise((res) => {
      const t = setTimeout(() => {
        const i = this.leaderWaits.indexOf(done);
        if (i >= 0) this.leaderWaits.splice(i, 1);
        res();
      }, ms).unref();
      const done = () => (clearTimeout(t), res());
      this.leaderWaits.push(done);
    });
  }

  /** The live key under a fresh lease; a lost lease (etcd unreachable longer than the TTL) is renewed when etcd answers again. */
  private async goLive(): Promise<void> {
    const lease = this.state.client.lease(this.ttl, { autoKeepAlive: true });
    this.lease = lease;
    lease.on('keepaliveFailed', (e: unknown) => {
      if (this.lease !== lease) return;
      if (!this.failing) this.log(`pool: lease keepalive failed (${String((e as Error)?.message).slice(0, 160)}); etcd3 reconnects`);
      this.failing = true;
    });
    lease.on('keepaliveSucceeded', () => {
      if (this.lease !== lease) return;
      this.failing = false;
      // Back after an outage: the watch may have stalled with its connection; catch up from one read.
      if (this.overdue) {
        this.log(`pool: etcd answered the lease keepalive again after ${Date.now() - this.lastAnswer} ms`);
        this.catchUp();
      }
      this.lastAnswer = Date.now();
    });
    lease.on('lost', () => {
      this.setDown(`this member lost its pool lease (etcd unreachable for more than ${this.ttl} s); rejoining when etcd answers`);
      if (!this.closed) void this.retry(() => this.goLive());
    });
    await lease.put(this.state.prefix + `live/${this.uuid}`).value('{}').exec();
    this.lastAnswer = Date.now();
    this.watchKeepalive(lease);
    if (this.lost) await this.state.open().catch(() => this.catchUp());
    this.setDown(undefined);
  }

  private setDown(why: string | undefined): void {
    if (why === this.lost) return;
    this.lost = why;
    this.log(why ? `pool: ${why}` : 'pool: etcd answers again');
    if (why && this.isCoordinator) {
      this.isCoordinator = false;
      void this.campaign?.resign().catch(() => undefined);
      this.campaign = undefined;
      void this.retry(async () => this.run());
    }
    for (const h of this.changeHooks) h();
  }

  /** Campaign until closed: elected, or after a failed campaign, again (bounded pace). */
  private run(): void {
    if (this.closed || this.campaign) return;
    const c = this.state.client.namespace(this.state.prefix).election(ELECTION_NAME, this.ttl).campaign(JSON.stringify({ uuid: this.uuid, address: this.opts.address }));
    this.campaign = c;
    c.on('elected', () => {
      this.isCoordinator = true;
      this.log('pool: this member is the coordinator');
      for (const h of this.changeHooks) h();
    });
    c.on('error', (e: Error) => {
      this.isCoordinator = false;
      this.campaign = undefined;
      this.log(`pool: campaign failed (${e.message}); campaigning again`);
      for (const h of this.changeHooks) h();
      void this.retry(async () => this.run());
    });
  }

  /**
   * etcd3 notices a keepalive stream that answers nothing (no error: its etcd member alive but not
   * answering, as one whose keepalive forward hangs) only after a whole TTL (lease.js's debounce):
   * answers were seen 3.2 and 3.8 s apart at TTL 3, past the lease. When the answer is overdue (half
   * the TTL) this ends that stream through etcd3's own error path, which reconnects to a member at
   * random after 100 ms and sends a keepalive at once; at most once per half TTL.
   */
  private watchKeepalive(lease: Lease): void {
    let nudged = 0;
    const t = setInterval(() => {
      if (this.lease !== lease || this.closed || lease.revoked()) return clearInterval(t);
      if (!this.overdue || Date.now() - nudged < this.ttl * 500) return;
      nudged = Date.now();
      this.log(`pool: lease keepalive unanswered for ${Date.now() - this.lastAnswer} ms; reconnecting to etcd`);
      (lease as unknown as { handleKeepaliveError(e: Error): void }).handleKeepaliveError(new Error('keepalive overdue'));
    }, Math.max(50, this.ttl * 250));
    t.unref();
  }

  /** Bring the cache up to date from one read and a fresh watch; again until etcd answers it (a failed read left no watch). */
  private catchUp(): void {
    void this.retry(() => this.state.open(), 0);
  }

  private async retry(fn: () => Promise<void>, firstMs = 200): Promise<void> {
    for (let i = 0; !this.closed; i++) {
      await new Promise((r) => setTimeout(r, i === 0 ? firstMs : Math.min(200 * 2 ** i, 2000)));
      try {
        await fn();
        return;
      } catch {
        /* etcd still away */
      }
    }
  }

  /** A keepalive goes out every third of the TTL (etcd3's lease.js): none answered for half of it is overdue. */
  private get overdue(): boolean {
    return Date.now() - this.lastAnswer > this.ttl * 500;
  }

  /**
   * A change needs the member's lease. While etcd fails over (a killed etcd leader: keepalives on a
   * follower wait for the next election, etcdserver/v3_server.go LeaseRenew in etcd 3.4) a keepalive
   * is late by up to an election; a change then waits for its answer, at most until the lease's
   * deadline, and is refused saying why only past it. A member in good standing answers at once.
   */
  async whenUp(): Promise<void> {
    while (!this.lost && !this.closed && this.overdue && !this.down) await new Promise((r) => setTimeout(r, 20));
    const why = this.down;
    if (why) throw new ApiFailure('XENKIT_POOL_UNAVAILABLE', [`this member accepts no change now: ${why}`]);
  }

  /** A change needs etcd and, for control calls, the coordinator: HOST_IS_SLAVE as XAPI answers on a supporter. */
  async assertCoordinator(): Promise<void> {
    await this.whenUp();
    if (this.isCoordinator) return;
    if (!this.coordinator) throw new ApiFailure('XENKIT_POOL_UNAVAILABLE', ['no pool coordinator is elected at the moment (an election takes up to the lease TTL); retry shortly']);
    // XAPI: Server_error (host_is_slave, [Pool_role.get_master_address ()]) (ocaml/xapi/xapi_session.ml @e2ee48d6).
    throw new ApiFailure('HOST_IS_SLAVE', [this.coordinator.address]);
  }

  /** Leave: resign, revoke the lease (others see this member gone at once); bounded when etcd is away. */
  async close(ms = 3000): Promise<void> {
    this.closed = true;
    const leave = async () => {
      await this.campaign?.resign().catch(() => undefined);
      await this.lease?.revoke().catch(() => undefined);
    };
    let t: NodeJS.Timeout | undefined;
    await Promise.race([leave(), new Promise((r) => (t = setTimeout(r, ms)))]);
    clearTimeout(t);
    this.lease?.release();
    await Promise.race([this.state.close(), new Promise((r) => setTimeout(r, 500).unref())]);
  }
}
