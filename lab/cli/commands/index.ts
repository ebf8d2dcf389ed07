// SPDX-License-Identifier: MIT
// The doorbell CLI's commands. Each is one module under commands/ exporting a Command.
import type { Command } from '../context.js';
import { affinity } from './affinity.js';
import { bringup } from './bringup.js';
import { check } from './check.js';
import { devices } from './devices.js';
import { genSysroot } from './gen.js';
import { report } from './report.js';
import { serve } from './serve.js';
import { snapshot } from './snapshot.js';
import { vectors } from './vectors.js';

export const COMMANDS: Command[] = [serve, devices, vectors, snapshot, report, genSysroot, affinity, check, bringup];
