/** The ECN model: types, schemas, loading and checks. */
export * from './ecn.js';
export { buildModel, modelErrors, type BuildOptions, type ModelResult } from './build.js';
export { loadManifests, readManifestDocuments, listManifestFiles, MANIFEST_EXTENSIONS, type LoadOptions } from './load.js';
export { parseManifestText, type ParsedText } from './parse.js';
export { DEFAULT_PORTS, DEFAULT_PUBLIC_RANGE, type ManifestDocument } from './collect.js';
export { MODEL_ISSUE_CODES, type ModelIssueCode } from './issue-codes.js';
export { KIND_SCHEMAS, KINDS, API_VERSION, LEGACY_API_VERSIONS, type Kind, type KindDocs } from './schemas.js';
export { validateDocument, formatPath, type SchemaProblem, type PathSegment } from './validate.js';
export { allocatePublicPorts, RESERVED_PUBLIC_PORTS, comparePublicPorts, type PublicPortRequest, type AllocationFailure } from './public-ports.js';
export { ADDRESS_SEGMENT_PATTERN, DEFAULT_ROUTER_ID, ROUTER_ID_PATTERN } from './names.js';
export type { Locate } from './issues.js';
