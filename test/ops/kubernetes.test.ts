import { configHelp, loadConfig } from '@fsmeta/fsmeta';
import * as path from 'node:path';
import { render, strategicMerge, type K8sObject } from './kustomize';

/**
 * Renders every overlay of deploy/kubernetes offline (test/ops/kustomize.ts) and
 * validates every object against the Kubernetes OpenAPI schemas carried by the
 * kubernetes-models package (and @kubernetes-models/prometheus-operator for the
 * ServiceMonitor), then checks what the schemas cannot: selectors that select,
 * probes, security settings, and environment that fsmeta's config accepts.
 */

const ROOT = path.resolve(__dirname, '../../deploy/kubernetes');
const OVERLAYS = ['dev', 'prod'];

type Validatable = { validate(): void };
type ModelClass = new (data: unknown) => Validatable;

/** The model class for an object's apiVersion and kind; undefined when no package carries its schema. */
function modelFor(o: K8sObject): ModelClass | undefined {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const module = group === 'monitoring.coreos.com' ? `@kubernetes-models/prometheus-operator/${group}/${version}/${o.kind}` : `kubernetes-models/${group === '' ? '' : `${group}/`}${version}/${o.kind}`;
  try {
    return (require(module) as Record<string, ModelClass>)[o.kind];
  } catch {
    return undefined;
  }
}

function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (o === undefined) throw new Error(`no ${kind}/${name}`);
  return o;
}

function matches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

const KNOWN_ENV = new Set([...configHelp().matchAll(/\b(FSMETA_[A-Z_]+)\b/g)].map((m) => m[1]!));

/* eslint-disable @typescript-eslint/no-explicit-any */
describe.each(OVERLAYS)('deploy/kubernetes/overlays/%s', (overlay) => {
  const objects = render(path.join(ROOT, 'overlays', overlay));

  it('renders, and every object validates against its OpenAPI schema', () => {
    expect(objects.length).toBeGreaterThanOrEqual(8);
    for (const o of objects) {
      const Model = modelFor(o);
      if (Model === undefined) throw new Error(`${o.apiVersion} ${o.kind}: no schema package carries this kind`);
      expect(() => new Model(o).validate()).not.toThrow();
      expect(o.metadata.namespace).toBe(overlay === 'dev' ? 'fsmeta-dev' : 'fsmeta');
      expect(o.metadata.labels?.['app.kubernetes.io/part-of']).toBe('fsmeta');
    }
    const kinds = new Set(objects.map((o) => o.kind));
    for (const k of ['Deployment', 'Job', 'Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'ServiceMonitor', 'ServiceAccount']) {
      expect(kinds).toContain(k);
    }
    if (overlay === 'dev') expect(kinds).toContain('StatefulSet');
  });

  it('the schema check is real: a broken object fails it', () => {
    const d = find(objects, 'Deployment', 'fsmeta');
    const broken = strategicMerge(d, { spec: { replicas: 'three' } }) as K8sObject;
    expect(() => new (modelFor(broken)!)(broken).validate()).toThrow(/replicas/);
  });

  it('selectors select: Service, PDB, NetworkPolicy and HPA reach the Deployment; ServiceMonitor reaches the Service', () => {
    const d = find(objects, 'Deployment', 'fsmeta') as any;
    const podLabels = d.spec.template.metadata.labels;
    expect(matches(d.spec.selector.matchLabels, podLabels)).toBe(true);
    expect(matches((find(objects, 'Service', 'fsmeta') as any).spec.selector, podLabels)).toBe(true);
    expect(matches((find(objects, 'PodDisruptionBudget', 'fsmeta') as any).spec.selector.matchLabels, podLabels)).toBe(true);
    expect(matches((find(objects, 'NetworkPolicy', 'fsmeta') as any).spec.podSelector.matchLabels, podLabels)).toBe(true);
    expect((find(objects, 'HorizontalPodAutoscaler', 'fsmeta') as any).spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'fsmeta' });
    const svc = find(objects, 'Service', 'fsmeta') as any;
    const sm = find(objects, 'ServiceMonitor', 'fsmeta') as any;
    expect(matches(sm.spec.selector.matchLabels, svc.metadata.labels)).toBe(true);
    expect(svc.spec.ports.map((p: any) => p.name)).toContain(sm.spec.endpoints[0].port);
    for (const c of d.spec.template.spec.topologySpreadConstraints) expect(matches(c.labelSelector.matchLabels, podLabels)).toBe(true);
  });

  it('pods run non-root, read-only, without privilege escalation, with resources; probes are native gRPC on the health port', () => {
    for (const o of objects.filter((x) => ['Deployment', 'StatefulSet', 'Job'].includes(x.kind)) as any[]) {
      const spec = o.spec.template.spec;
      expect(spec.securityContext.runAsNonRoot).toBe(true);
      for (const c of spec.containers) {
        expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
        expect(c.securityContext.capabilities.drop).toEqual(['ALL']);
        // PostgreSQL writes beside its data directory; fsmeta writes nothing but /tmp.
        if (c.name !== 'postgres') expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
        expect(c.resources.requests.cpu).toBeDefined();
        expect(c.resources.limits.memory).toBeDefined();
      }
    }
    const c = (find(objects, 'Deployment', 'fsmeta') as any).spec.template.spec.containers[0];
    const health = c.ports.find((p: any) => p.name === 'health').containerPort;
    for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) expect(probe.grpc.port).toBe(health);
    expect(c.readinessProbe.grpc.service).toBe('fsmeta.v1.Meta');
    const env = Object.fromEntries(c.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
    expect(env.FSMETA_HEALTH_LISTEN).toBe(`0.0.0.0:${health}`);
  });

  it('every FSMETA_ variable is a real setting and the whole environment passes fsmeta config validation', () => {
    for (const o of objects.filter((x) => ['Deployment', 'Job'].includes(x.kind)) as any[]) {
      for (const c of o.spec.template.spec.containers) {
        const env: Record<string, string> = {};
        for (const e of c.env) {
          expect(KNOWN_ENV).toContain(e.name);
          env[e.name] = e.value ?? (e.name === 'FSMETA_DATABASE_URL' ? 'postgres://u:p@db:5432/fsmeta' : 'x');
        }
        const config = loadConfig([], env);
        if (o.kind === 'Deployment') expect(config.listen).toBe('0.0.0.0:50051');
        // Every file setting points into a mounted volume.
        const mounts = (c.volumeMounts ?? []).map((m: any) => m.mountPath as string);
        for (const [k, v] of Object.entries(env)) {
          if (k.endsWith('_FILE')) expect(mounts.some((m: string) => v.startsWith(`${m}/`))).toBe(true);
        }
      }
    }
  });

  if (overlay === 'prod') {
    it('prod mounts the TLS and identity secrets and requires authentication', () => {
      const spec = (find(objects, 'Deployment', 'fsmeta') as any).spec.template.spec;
      const env = Object.fromEntries(spec.containers[0].env.map((e: any) => [e.name, e.value]));
      expect(env).toMatchObject({
        FSMETA_TLS_CERT_FILE: '/etc/fsmeta/tls/tls.crt',
        FSMETA_TLS_KEY_FILE: '/etc/fsmeta/tls/tls.key',
        FSMETA_TLS_CLIENT_CA_FILE: '/etc/fsmeta/tls/ca.crt',
        FSMETA_AUTH_FILE: '/etc/fsmeta/auth/identities.yaml',
        FSMETA_AUTH_REQUIRED: 'true',
      });
      expect(spec.volumes.map((v: any) => v.secret?.secretName).filter(Boolean).sort()).toEqual(['fsmeta-auth', 'fsmeta-tls']);
      expect(objects.some((o) => o.kind === 'StatefulSet')).toBe(false);
      expect(spec.containers[0].image).toBe('ghcr.io/fsmeta/fsmeta:0.1.0');
    });
  } else {
    it('dev brings its own PostgreSQL that the database URL points at', () => {
      const secret = find(objects, 'Secret', 'fsmeta-db') as any;
      const sts = find(objects, 'StatefulSet', 'fsmeta-postgres') as any;
      expect(secret.stringData.url).toContain(`@${sts.spec.serviceName}:5432/`);
      expect((find(objects, 'Deployment', 'fsmeta') as any).spec.template.spec.containers[0].image).toBe('fsmeta:dev');
      expect((find(objects, 'Deployment', 'fsmeta') as any).spec.replicas).toBe(1);
    });
  }
});

describe('the renderer', () => {
  it('merges lists of named objects by name and replaces other lists', () => {
    const base = { spec: { containers: [{ name: 'a', env: [{ name: 'X', value: '1' }], args: ['serve'] }] } };
    const out = strategicMerge(base, { spec: { containers: [{ name: 'a', env: [{ name: 'Y', value: '2' }], args: ['migrate'] }, { name: 'b' }] } });
    expect(out).toEqual({ spec: { containers: [{ name: 'a', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '2' }], args: ['migrate'] }, { name: 'b' }] } });
    expect(strategicMerge({ a: 1, b: 2 }, { a: null })).toEqual({ b: 2 });
  });
});
