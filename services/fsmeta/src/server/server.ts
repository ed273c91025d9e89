import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as HEALTH_PROTO_PATH } from 'grpc-health-check';
import { META_SERVICE, loadMetaProto, loadPackageDefinition } from '@fsmeta/proto';
import type { Logger } from 'pino';
import type { Meta } from '../meta';
import { InvalidArgument, Unimplemented } from '../meta/errors';
import { bindRequest } from './binding';
import { InflightLimiter, Undecodable, sessionOf, tolerantDeserializer, validateRequest } from './limits';
import { dataHandlers } from './handlers/data';
import { namespaceHandlers } from './handlers/namespace';
import { quotaHandlers } from './handlers/quotas';
import { sessionHandlers } from './handlers/sessions';
import { lockHandlers } from './handlers/locks';
import { trashHandlers } from './handlers/trash';
import type { CallContext, CallWait, MetaImpl, MethodName } from './handlers/types';
import { volumeHandlers } from './handlers/volume';
import { preEncodedSerializer, watchHandler } from './handlers/watch';
import { plainAnswer, readdirSerializer } from './readdir-answer';
import { xattrHandlers } from './handlers/xattrs';
import { toServiceError } from './status';
import type { Telemetry } from '../telemetry';
import type { Auth } from './auth';
import type { ReloadingCertificates } from './tls';

export interface ServerOptions {
  maxReceiveMessageBytes: number;
  maxSendMessageBytes: number;
  /** Authentication and authorization of every call (server/auth.ts). */
  auth: Auth;
  /** TLS (mutual when it has a client CA); undefined: plaintext. */
  tls?: ReloadingCertificates;
  /** Calls one session may have in flight on this replica (0: unlimited). */
  maxInflightPerSession?: number;
}

/** Health is reported for the whole server ("") and for the Meta service by name. */
const HEALTH_SERVICES = ['', META_SERVICE];

export interface MetaServer {
  server: grpc.Server;
  health: HealthImplementation;
  /** Marks the server SERVING / NOT_SERVING for health checks. */
  setServing(serving: boolean): void;
  /**
   * The database probe's verdict (health.ts): while the database is unreachable
   * `fsmeta.v1.Meta` is NOT_SERVING (readiness: route calls elsewhere) and ""
   * keeps the server's own status (liveness: the process is fine, a restart
   * would not bring the database back).
   */
  setDatabaseUp(up: boolean): void;
  /** Binds and starts; returns the bound port. */
  listen(address: string): Promise<number>;
  /**
   * A second, plaintext port answering only grpc.health.v1 with the same
   * statuses: kubelet's native gRPC probes cannot speak TLS, so a TLS server
   * is probed here. Returns the bound port.
   */
  listenHealth(address: string): Promise<number>;
  /** Stops accepting calls, waits up to `graceMs` for in-flight ones, then cancels the rest. */
  shutdown(graceMs: number): Promise<void>;
}

/** The admitted call's context with its deadline and cancellation (the signal is made on first use). */
function withCall(context: CallContext, call: grpc.ServerUnaryCall<unknown, unknown>): CallContext & CallWait {
  const d = call.getDeadline();
  let controller: AbortController | undefined;
  return {
    ...context,
    deadline: d instanceof Date ? d.getTime() : d,
    get signal() {
      if (controller === undefined) {
        const c = (controller = new AbortController());
        if (call.cancelled) c.abort();
        else call.once('cancelled', () => c.abort());
      }
      return controller.signal;
    },
  };
}

function allHandlers(meta: Meta): MetaImpl {
  return {
    ...sessionHandlers(meta),
    ...volumeHandlers(meta),
    ...namespaceHandlers(meta),
    ...xattrHandlers(meta),
    ...dataHandlers(meta),
    ...lockHandlers(meta),
    ...trashHandlers(meta),
    ...quotaHandlers(meta),
  };
}

/**
 * Builds the gRPC server: the Meta service (every method; ones not built yet
 * answer UNIMPLEMENTED), grpc.health.v1 and server reflection v1 + v1alpha.
 */
export function createServer(meta: Meta, log: Logger, options: ServerOptions, telemetry?: Telemetry): MetaServer {
  const { auth } = options;
  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes,
    'grpc.max_send_message_length': options.maxSendMessageBytes,
    // Health and reflection are guarded only when authentication is on (no per-call wrapper otherwise).
    interceptors: auth.enabled ? [auth.interceptor()] : [],
  });
  // Bytes that do not decode reach the handler as an Undecodable (INVALID_ARGUMENT), not grpc-js's INTERNAL.
  const loaded = loadMetaProto().fsmeta.v1.Meta.service;
  const service = Object.fromEntries(
    Object.entries(loaded).map(([name, def]) => [name, { ...def, requestDeserialize: tolerantDeserializer(def.requestDeserialize) }]),
  ) as unknown as typeof loaded;
  // Watch messages are encoded once for every stream they go to (handlers/watch.ts).
  const serializeWatch = loaded.Watch.responseSerialize;
  (service.Watch as { responseSerialize: unknown }).responseSerialize = preEncodedSerializer(serializeWatch);
  // Readdir pages are encoded from meta's entries, not through the generated codec (server/readdir-answer.ts).
  (service.Readdir as { responseSerialize: unknown }).responseSerialize = readdirSerializer(loaded.Readdir.responseSerialize);
  const impl = allHandlers(meta);
  const inflight = new InflightLimiter(options.maxInflightPerSession ?? 0);
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const method of Object.keys(service) as MethodName[]) {
    if (service[method].responseStream) continue;
    const fn = impl[method] as ((req: unknown, context: CallContext & CallWait) => Promise<unknown>) | undefined;
    handlers[method] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const started = performance.now();
      let release = (): void => undefined;
      const run = (async () => {
        // Input limits first (server/limits.ts): nothing malformed reaches authorization, meta or SQL.
        if (call.request instanceof Undecodable) throw new InvalidArgument('request', `does not decode as ${method}Request: ${call.request.reason}`);
        validateRequest(method, call.request);
        release = inflight.enter(sessionOf(call.request));
        // Every call is admitted (identity, role, session owner, confinement) before its handler runs.
        const admitted = await auth.admit(method, call);
        if (fn === undefined) throw new Unimplemented(method);
        const handler = fn;
        bindRequest(method, call.request);
        const res = await handler(call.request, withCall(admitted.context, call));
        // A confined identity's answers are rewritten as plain messages.
        return admitted.reply(admitted.confinedTo === undefined ? res : plainAnswer(res));
      })();
      run.then(
        (res) => {
          release();
          telemetry?.recordCall(method, 'OK', performance.now() - started);
          callback(null, res);
        },
        (err: unknown) => {
          release();
          const e = toServiceError(err, log, method);
          telemetry?.recordCall(method, grpc.status[e.code], performance.now() - started);
          callback(e);
        },
      );
    };
  }
  // The one server-streaming method (its handler owns the stream; see handlers/watch.ts).
  const watch = watchHandler(meta, log, auth, serializeWatch);
  handlers.Watch = (call: grpc.ServerWritableStream<unknown, unknown>) => {
    try {
      if (call.request instanceof Undecodable) throw new InvalidArgument('request', `does not decode as WatchRequest: ${call.request.reason}`);
      validateRequest('Watch', call.request);
    } catch (err) {
      call.emit('error', toServiceError(err, log, 'Watch'));
      return;
    }
    watch(call as Parameters<typeof watch>[0]);
  };
  server.addService(service, handlers);

  const health = new HealthImplementation(Object.fromEntries(HEALTH_SERVICES.map((s) => [s, 'NOT_SERVING' as const])));
  health.addToServer(server);

  const healthDefinition = protoLoader.loadSync(HEALTH_PROTO_PATH);
  new ReflectionService({ ...loadPackageDefinition(), ...healthDefinition }).addToServer(server);

  let healthServer: grpc.Server | undefined;
  const status = { serving: false, databaseUp: true };
  const publish = (): void => {
    health.setStatus('', status.serving ? 'SERVING' : 'NOT_SERVING');
    health.setStatus(META_SERVICE, status.serving && status.databaseUp ? 'SERVING' : 'NOT_SERVING');
  };
  return {
    server,
    health,
    setServing(serving) {
      status.serving = serving;
      publish();
    },
    setDatabaseUp(up) {
      status.databaseUp = up;
      publish();
    },
    listen(address) {
      return new Promise((resolve, reject) => {
        const credentials = options.tls?.serverCredentials() ?? grpc.ServerCredentials.createInsecure();
        server.bindAsync(address, credentials, (err, port) => (err ? reject(err) : resolve(port)));
      });
    },
    listenHealth(address) {
      healthServer = new grpc.Server();
      health.addToServer(healthServer);
      const bound = healthServer;
      return new Promise((resolve, reject) => {
        bound.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
      });
    },
    shutdown(graceMs) {
      // Probes see NOT_SERVING until the end of the drain, then nothing.
      const done = () => healthServer?.forceShutdown();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }).then(done);
    },
  };
}
