// SPDX-License-Identifier: MIT
export { bundlePaths, collectReport, writeBundle, type BundlePaths, type Collected, type CollectOptions } from './bundle.js';
export { ratesFromSamples, renderReport, type ReportOptions } from './text.js';
