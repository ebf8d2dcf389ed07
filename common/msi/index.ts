// SPDX-License-Identifier: MIT
export * from './controller.js';
export * from './decode.js';
