// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { createSimLab, scenarioNames } from '../../../lab/sim/index.js';

describe('sim smoke', () => {
  for (const name of scenarioNames()) {
    it(`${name} opens mid-bring-up and renders every view`, async () => {
      const lab = createSimLab({ scenario: name });
      const devs = await lab.devices();
      expect(devs.some((d) => d.holder.kind === 'process')).toBe(true);
      expect(devs.some((d) => d.binding.kind === 'host')).toBe(true);
      for (const d of devs) {
        const v = await lab.vectors(d.bdf);
        expect(v.vectors.length).toBe(d.vectorCount);
      }
      const spaces = await lab.addressSpaces();
      expect(spaces.length).toBeGreaterThan(0);
      lab.advance(1000);
      const s = await lab.sample();
      expect([...s.irqs.values()].some((c) => c.some((n) => n > 0))).toBe(true);
    });
  }
});
