// SPDX-License-Identifier: MIT
import { describe, expect, it, vi } from 'vitest';
import { menuTemplate } from '../../../electron/main/menu.js';

const actions = { labTitle: 'sim', quit: vi.fn(), reload: vi.fn(), about: vi.fn(), openSnapshot: vi.fn(), back: vi.fn(), forward: vi.fn() };
const keys = (platform: string) => (menuTemplate({ ...actions, platform }).find((m) => m.label === 'View')!.submenu as { label?: string; accelerator?: string }[])
  .filter((i) => i.label === 'Back' || i.label === 'Forward').map((i) => `${i.label} ${i.accelerator}`);

describe('electron/main/menu', () => {
  it('Back and Forward take the keys a browser uses on each platform', () => {
    expect(keys('linux')).toEqual(['Back Alt+Left', 'Forward Alt+Right']);
    expect(keys('win32')).toEqual(['Back Alt+Left', 'Forward Alt+Right']);
    expect(keys('darwin')).toEqual(['Back Cmd+[', 'Forward Cmd+]']);
  });
});
