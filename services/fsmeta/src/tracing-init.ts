// Imported first by main.ts: starts tracing (when configured) before @grpc/grpc-js or pg load,
// so the instrumentations can patch them. A side-effect module because imports are hoisted.
import { startTracing } from './tracing';

startTracing();
