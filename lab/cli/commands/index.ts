// SPDX-License-Identifier: MIT
// The doorbell CLI's commands. Each is one module under commands/ exporting a Command.
import type { Command } from '../context.js';
import { devices } from './devices.js';
import { serve } from './serve.js';
import { vectors } from './vectors.js';

export const COMMANDS: Command[] = [serve, devices, vectors];
