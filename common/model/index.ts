// SPDX-License-Identifier: MIT
export * from './source.js';
export * from './hex.js';
export * from './lab.js';
export * from './vector.js';
export * from './addrspace.js';
export * from './log.js';
export * from './interrupts.js';
export * from './counts.js';
export * from './bringup.js';
