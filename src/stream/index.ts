/** The link graph over WebSocket: the server side, its client, the filters and the message checks. */
export * from './protocol.js';
export { createGraphStream, type GraphStream, type GraphStreamOptions, type SnapshotBuildStats } from './graph-stream.js';
export { deflateShared, gzipWithTail, type SharedGzip } from './gzip-snapshot.js';
export { GraphClient, graphUrl, type ClientGraph, type GraphClientOptions, type GraphClientEvents, type CloseInfo } from './client.js';
export { FilterView, JsonCache, MicroserviceIndex, filterKey, normalizeFilter, isEmptyFilter } from './filter.js';
export { StreamError, parseClientMessage, parseServerMessage, parseFilter, filterFromQuery, encodingFromQuery, type StreamClientErrorCode } from './messages.js';
