// SPDX-License-Identifier: MIT
export { BringupRunner, type BringupOptions } from './runner.js';
export { linuxBinder, simBinder, type Binder, type BindOutcome } from './bind.js';
export { STEP_TEXT, explainErrno } from './text.js';
