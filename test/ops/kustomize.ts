import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * A minimal kustomize renderer for the features deploy/kubernetes uses, so the
 * test command can render every overlay offline (no kustomize binary here).
 * It implements, as `kustomize build` does:
 *   resources   files (multi-document YAML) and directories holding a kustomization.yaml, in order
 *   patches     strategic-merge patches from `path` (or inline `patch`), matched by kind and name:
 *               maps merge key by key; lists of objects with a `name` (containers, env, ports,
 *               volumes, volumeMounts) merge element by name; other lists are replaced; null deletes
 *   namespace   set on every namespaced object
 *   labels      `pairs` added to metadata.labels (and selectors / pod templates when asked)
 *   images      `name` -> `newName` / `newTag` / `digest` in every container and init container
 * Any other kustomization field is an error, so a manifest never silently relies on a feature
 * this renderer does not have.
 */

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: unknown;
};

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'patches', 'namespace', 'labels', 'images']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass', 'PriorityClass']);
const POD_TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

interface Kustomization {
  resources?: string[];
  patches?: { path?: string; patch?: string; target?: { kind?: string; name?: string } }[];
  namespace?: string;
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
}

function readYaml(file: string): unknown[] {
  return parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]!.message}`);
      return d.toJS() as unknown;
    })
    .filter((d) => d !== null && d !== undefined);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Strategic merge of `patch` into `target` (for the list kinds above). */
export function strategicMerge(target: unknown, patch: unknown): unknown {
  if (patch === null) return undefined;
  if (isObject(patch) && isObject(target)) {
    const out: Record<string, unknown> = { ...target };
    for (const [k, v] of Object.entries(patch)) {
      const merged = strategicMerge(target[k], v);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
    return out;
  }
  if (Array.isArray(patch) && Array.isArray(target) && patch.every((p) => isObject(p) && typeof p.name === 'string') && target.every((t) => isObject(t) && typeof t.name === 'string')) {
    const out = target.map((t) => ({ ...(t as Record<string, unknown>) }));
    for (const p of patch as Record<string, unknown>[]) {
      const i = out.findIndex((t) => t.name === p.name);
      if (i >= 0) out[i] = strategicMerge(out[i], p) as Record<string, unknown>;
      else out.push(p);
    }
    return out;
  }
  return patch;
}

function podSpecs(o: K8sObject): Record<string, unknown>[] {
  if (!POD_TEMPLATE_KINDS.has(o.kind)) return [];
  const spec = (o.spec as { template?: { spec?: Record<string, unknown> } } | undefined)?.template?.spec;
  return spec === undefined ? [] : [spec];
}

/** Renders the kustomization in `dir` to its objects, as `kustomize build dir`. */
export function render(dir: string): K8sObject[] {
  const file = path.join(dir, 'kustomization.yaml');
  const k = readYaml(file)[0] as Kustomization & Record<string, unknown>;
  for (const key of Object.keys(k)) if (!SUPPORTED.has(key)) throw new Error(`${file}: "${key}" is not supported by this renderer`);
  let objects: K8sObject[] = [];
  for (const r of k.resources ?? []) {
    const p = path.resolve(dir, r);
    if (fs.statSync(p).isDirectory()) objects.push(...render(p));
    else objects.push(...(readYaml(p) as K8sObject[]));
  }
  for (const patch of k.patches ?? []) {
    const docs = patch.path !== undefined ? readYaml(path.resolve(dir, patch.path)) : patch.patch !== undefined ? parseAllDocuments(patch.patch).map((d) => d.toJS()) : [];
    for (const doc of docs as K8sObject[]) {
      const kind = patch.target?.kind ?? doc.kind;
      const name = patch.target?.name ?? doc.metadata?.name;
      const i = objects.findIndex((o) => o.kind === kind && o.metadata.name === name);
      if (i < 0) throw new Error(`${file}: patch for ${kind}/${name} matches no resource`);
      objects[i] = strategicMerge(objects[i], doc) as K8sObject;
    }
  }
  if (k.namespace !== undefined) {
    objects = objects.map((o) => (CLUSTER_SCOPED.has(o.kind) ? o : { ...o, metadata: { ...o.metadata, namespace: k.namespace } }));
  }
  for (const l of k.labels ?? []) {
    for (const o of objects) {
      o.metadata.labels = { ...o.metadata.labels, ...l.pairs };
      const spec = o.spec as Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
      if (l.includeSelectors === true && spec !== undefined) {
        if (o.kind === 'Service') spec.selector = { ...spec.selector, ...l.pairs };
        else if (spec.selector !== undefined) spec.selector.matchLabels = { ...spec.selector.matchLabels, ...l.pairs };
      }
      if ((l.includeSelectors === true || l.includeTemplates === true) && POD_TEMPLATE_KINDS.has(o.kind) && spec?.template !== undefined) {
        spec.template.metadata = { ...spec.template.metadata, labels: { ...spec.template.metadata?.labels, ...l.pairs } };
      }
    }
  }
  for (const img of k.images ?? []) {
    for (const o of objects) {
      for (const spec of podSpecs(o)) {
        for (const c of [...((spec.containers as { image?: string }[]) ?? []), ...((spec.initContainers as { image?: string }[]) ?? [])]) {
          if (c.image === undefined) continue;
          const m = /^([^@:]+(?::\d+\/[^@:]+)?)(?::([^@]+))?(?:@(.+))?$/.exec(c.image);
          if (m === null || m[1] !== img.name) continue;
          const name = img.newName ?? m[1];
          c.image = img.digest !== undefined ? `${name}@${img.digest}` : `${name}${img.newTag !== undefined ? `:${img.newTag}` : m[2] !== undefined ? `:${m[2]}` : ''}`;
        }
      }
    }
  }
  return objects;
}
