/**
 * Wire formats and protocol engines shared by device models (src/drivers), the kernel's
 * consumers and userspace tools (src/userspace): DOE data objects, Discovery, CDAT, CXL
 * Compliance, SPDM and its secured messages. Imports nothing of the project but src/base.
 */
export * from './doe/index.js';
export * from './cdat/index.js';
export * from './compliance/index.js';
export * as crypto from './crypto/index.js';
export * as spdm from './spdm/index.js';
export * from './fwctl/uapi.js';
export * from './cxl/mbox.js';
export * from './cxl/mem-uapi.js';
