import * as fs from 'node:fs';
import * as tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** Empty: no client certificates are asked for. */
  clientCaFile: string;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

type IdentityListener = (update: { certificate: Buffer; privateKey: Buffer } | null) => void;
type CaListener = (update: { caCertificate: Buffer } | null) => void;

/**
 * The server's certificate, key and client CA, re-read from disk every
 * `reloadMs` (a Kubernetes secret mounted as files changes in place): new
 * connections use the new files, open ones keep theirs. A set of files that
 * does not load (a half-written rotation, a key that does not match its
 * certificate) is logged and the previous one stays in force. Implements
 * grpc-js's CertificateProvider for both roles (identity and CA).
 */
export class ReloadingCertificates implements grpc.experimental.CertificateProvider {
  private current: TlsMaterial;
  private stamp: string;
  private failedStamp = '';
  private readonly identityListeners = new Set<IdentityListener>();
  private readonly caListeners = new Set<CaListener>();
  private readonly materialListeners = new Set<(m: TlsMaterial) => void>();
  private readonly timer: NodeJS.Timeout;

  /** Throws when the files cannot be read or do not make a TLS context. */
  constructor(
    private readonly files: TlsFiles,
    reloadMs: number,
    private readonly log: Logger,
  ) {
    this.stamp = this.fileStamp();
    this.current = this.read();
    this.timer = setInterval(() => this.reload(), reloadMs);
    this.timer.unref();
  }

  get material(): TlsMaterial {
    return this.current;
  }

  private fileStamp(): string {
    const { certFile, keyFile, clientCaFile } = this.files;
    return [certFile, keyFile, clientCaFile]
      .filter((f) => f !== '')
      .map((f) => {
        try {
          const st = fs.statSync(f);
          return `${st.mtimeMs}:${st.size}:${st.ino}`;
        } catch {
          return 'missing';
        }
      })
      .join('/');
  }

  private read(): TlsMaterial {
    const { certFile, keyFile, clientCaFile } = this.files;
    const m: TlsMaterial = { cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) };
    if (clientCaFile !== '') m.ca = fs.readFileSync(clientCaFile);
    // Throws on a key that does not match the certificate, or a file that is not PEM.
    tls.createSecureContext({ cert: m.cert, key: m.key, ca: m.ca });
    return m;
  }

  /** Re-reads the files when any of them changed; keeps the previous material on failure. */
  reload(): void {
    const stamp = this.fileStamp();
    if (stamp === this.stamp) return;
    let next: TlsMaterial;
    try {
      next = this.read();
    } catch (err) {
      // Not remembered as loaded: the next tick tries again (the rotation may be half written); logged once per state of the files.
      if (stamp !== this.failedStamp) {
        this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'TLS files not reloaded; the previous certificate stays in force');
      }
      this.failedStamp = stamp;
      return;
    }
    this.stamp = stamp;
    this.current = next;
    this.log.info({ certFile: this.files.certFile }, 'TLS certificate reloaded');
    this.publish();
  }

  private publish(): void {
    const { cert, key, ca } = this.current;
    for (const l of this.identityListeners) l({ certificate: cert, privateKey: key });
    if (ca !== undefined) for (const l of this.caListeners) l({ caCertificate: ca });
    for (const l of this.materialListeners) l(this.current);
  }

  /** Called with the new material after each successful reload (the metrics HTTPS server uses it). */
  onReload(listener: (m: TlsMaterial) => void): void {
    this.materialListeners.add(listener);
  }

  // The first value goes out asynchronously, as grpc-js's own FileWatcherCertificateProvider does:
  // grpc-js registers its connection watcher only after adding this listener, and a synchronous
  // first update would reach no watcher (the port would drop every connection until a reload).
  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    queueMicrotask(() => {
      if (this.caListeners.has(listener) && this.current.ca !== undefined) listener({ caCertificate: this.current.ca });
    });
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    queueMicrotask(() => {
      if (this.identityListeners.has(listener)) listener({ certificate: this.current.cert, privateKey: this.current.key });
    });
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Server credentials that follow the reloads; mutual TLS (client certificate required) when a client CA is set. */
  serverCredentials(): grpc.ServerCredentials {
    const mutual = this.files.clientCaFile !== '';
    // grpc-js 1.14 passes its first argument on as the identity provider and its second as the
    // CA provider (whatever the declared parameter names say): this object serves both roles.
    return grpc.experimental.createCertificateProviderServerCredentials(this, mutual ? this : null, mutual);
  }
}
