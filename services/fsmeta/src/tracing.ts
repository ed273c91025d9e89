/**
 * OpenTelemetry traces, on only when OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set: a span per RPC from the
 * maintained grpc-js instrumentation, with every SQL statement as a child span
 * from the pg instrumentation, exported over OTLP (HTTP/protobuf; the standard
 * OTEL_* variables configure it: headers, sampler, service name).
 *
 * Instrumentations patch modules as they are loaded, so main.ts imports this
 * module before anything that loads @grpc/grpc-js or pg. Without the variable
 * nothing is loaded or patched: tracing costs nothing.
 */

import type { NodeSDK } from '@opentelemetry/sdk-node';

export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '') !== '' || (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? '') !== '';
}

let sdk: NodeSDK | undefined;

/** Starts tracing if configured; returns whether it is on. */
export function startTracing(): boolean {
  if (!tracingEnabled() || sdk !== undefined) return sdk !== undefined;
  // Loaded only when tracing is on.
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto');
  const { GrpcInstrumentation } = require('@opentelemetry/instrumentation-grpc') as typeof import('@opentelemetry/instrumentation-grpc');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? 'fsmeta',
    traceExporter: new OTLPTraceExporter(),
    instrumentations: [
      // Health checks and reflection are noise in traces.
      new GrpcInstrumentation({ ignoreGrpcMethods: [/^Check$/, /^Watch$/, /ServerReflectionInfo/] }),
      // Statements carry their SQL text (parameterised: no values); the pool's connect spans are left out.
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
    ],
  });
  sdk.start();
  return true;
}

/** Flushes spans still buffered (at shutdown). */
export async function stopTracing(): Promise<void> {
  await sdk?.shutdown();
  sdk = undefined;
}
