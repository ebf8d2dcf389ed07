// SPDX-License-Identifier: MIT
// The CPU picker takes what /proc/irq/N/smp_affinity_list takes (lib/bitmap-str.c bitmap_parselist):
// group syntax range:used/size, N for the last CPU, "all"; and names the region it refuses.
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { ref } from 'vue';
import type { CpuInfo } from '../../common/model/index.js';
import CpuPicker from '../../renderer/src/components/CpuPicker.vue';

const cpus: CpuInfo = {
  possible: [0, 1, 2, 3, 4, 5, 6, 7], online: [0, 1, 2, 3, 4, 5, 6, 7], isolated: [],
  nodes: [{ id: 0, cpus: [0, 1, 2, 3] }, { id: 1, cpus: [4, 5, 6, 7] }], from: { source: 'sim', at: 0 },
};

function picker(text: string) {
  const model = ref(text);
  const w = mount(CpuPicker, { props: { cpus, modelValue: model.value, 'onUpdate:modelValue': (v: string) => { model.value = v; } } });
  return w;
}

describe('CpuPicker and the kernel\'s list syntax', () => {
  it('0-7:2/4 selects CPUs 0,1,4,5: two of each node, no error', async () => {
    const w = picker('0-7:2/4');
    await w.find('li[data-node="0"] button.linkish').trigger('click');
    expect(w.find('[data-testid="cpu-error"]').exists()).toBe(false);
    const on = w.findAll('button.cpu.on').map((b) => b.text());
    expect(on).toEqual(['0', '1']);
    expect(w.find('li[data-node="1"]').text()).toContain('2/4');
  });

  it('N is the last CPU and "all" every CPU', () => {
    expect(picker('N').find('li[data-node="1"]').text()).toContain('1/4');
    expect(picker('all').find('li[data-node="0"]').text()).toContain('4/4');
  });

  it('a list the kernel refuses is shown with the region it stumbles on', () => {
    const w = picker('0-3,4-7:5/4');
    expect(w.find('[data-testid="cpu-error"]').text()).toMatch(/^"4-7:5\/4": uses 5 CPUs of every group of 4/);
  });
});
