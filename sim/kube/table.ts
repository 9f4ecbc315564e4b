/**
 * `kubectl get` asks for meta.k8s.io Tables (Accept: application/json;as=Table;…). Rows carry NAME, the CRD's
 * additionalPrinterColumns (or STATUS for namespaces) and AGE, with the object's metadata, so kubectl prints as it
 * does against a real cluster.
 */
import type { KubeObject, ResourceType } from './resources.js';
import { jsonPath } from './jsonpath.js';

export function wantsTable(accept: string | undefined): boolean {
  return typeof accept === 'string' && /as=Table/.test(accept);
}

function age(created: unknown, now: number): string {
  if (typeof created !== 'string') return '<unknown>';
  const s = Math.max(0, Math.floor((now - Date.parse(created)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

export interface PrinterColumn { name: string; type: string; jsonPath: string; description?: string; priority?: number; format?: string }

const DEFAULT_COLUMNS: PrinterColumn[] = [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'time since creation' }];
const NAMESPACE_COLUMNS: PrinterColumn[] = [{ name: 'Status', type: 'string', jsonPath: '.status.phase', description: 'phase' }, ...DEFAULT_COLUMNS];

function cell(obj: KubeObject, col: PrinterColumn, now: number): unknown {
  const values = jsonPath(obj, col.jsonPath);
  if (values.length === 0) return null;
  if (col.type === 'date') return age(values[0], now);
  if (values.length === 1 && (col.type === 'integer' || col.type === 'number' || col.type === 'boolean')) return values[0];
  return values.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(',');
}

export function asTable(rt: ResourceType, objOrList: KubeObject, now: number, printerColumns?: PrinterColumn[]): KubeObject {
  const isList = Array.isArray(objOrList.items);
  const items: KubeObject[] = isList ? objOrList.items : [objOrList];
  const columns = printerColumns && printerColumns.length > 0 ? printerColumns : rt.kind === 'Namespace' && !rt.group ? NAMESPACE_COLUMNS : DEFAULT_COLUMNS;
  // as the real server: a CRD's printer columns replace the default Age column
  const all = columns;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: objOrList.metadata?.resourceVersion, ...(objOrList.metadata?.continue ? { continue: objOrList.metadata.continue } : {}) },
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'name of the object', priority: 0 },
      ...all.map((c) => ({ name: c.name, type: c.type === 'date' ? 'string' : c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 })),
    ],
    rows: items.map((o) => ({
      cells: [o.metadata?.name, ...all.map((c) => cell(o, c, now))],
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
