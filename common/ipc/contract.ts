// SPDX-License-Identifier: MIT
// LabApi: the one contract between the renderer and the lab core. The Electron preload exposes
// exactly these methods as named functions over `lab:<method>` channels; serve mode carries the
// same calls over a loopback WebSocket. Requests are validated against REQUESTS before they reach
// the core; replies and pushed events are typed here and produced only by the trusted core.
import type { LabError, Result } from '../errors.js';
import type {
  AddressSpace, CpuInfo, CountsDelta, DeviceSummary, DeviceVectors, IommuGroup, IommuUnit, KernelOp, LabInfo,
} from '../model/index.js';
import { bdf, int, obj, optional, bool, type Infer, type Check } from './schema.js';

export const REQUESTS = {
  getLab: obj({}),
  getCpus: obj({}),
  listIommus: obj({}),
  listGroups: obj({}),
  listDevices: obj({}),
  getVectors: obj({ bdf: bdf() }),
  listAddressSpaces: obj({ bdf: optional(bdf()) }),
  getKernelLog: obj({ sinceSeq: optional(int({ min: 0 })), bdf: optional(bdf()), limit: optional(int({ min: 1, max: 100000 })) }),
  /** Live updates: how often the core samples counters for this client, and which device is on screen. */
  setLive: obj({ intervalMs: int({ min: 100, max: 60000 }), paused: bool(), watch: optional(bdf()) }),
} satisfies Record<string, Check<unknown>>;

export type LabMethod = keyof typeof REQUESTS;
export const LAB_METHODS = Object.keys(REQUESTS) as LabMethod[];
export type LabRequest<K extends LabMethod> = Infer<(typeof REQUESTS)[K]>;

export interface LabReplies {
  getLab: LabInfo;
  getCpus: CpuInfo;
  listIommus: IommuUnit[];
  listGroups: IommuGroup[];
  listDevices: DeviceSummary[];
  getVectors: DeviceVectors;
  listAddressSpaces: AddressSpace[];
  getKernelLog: KernelOp[];
  setLive: { intervalMs: number; paused: boolean; watch: string | null };
}

export type LabApi = {
  [K in LabMethod]: (req: LabRequest<K>) => Promise<Result<LabReplies[K]>>;
};

/** Events the core pushes to every client. */
export type LabEvent =
  | { type: 'counts'; delta: CountsDelta }
  | { type: 'log'; ops: KernelOp[] }
  | { type: 'changed'; what: 'devices' | 'vectors' | 'lab'; bdf?: string }
  | { type: 'status'; paused: boolean; intervalMs: number }
  | { type: 'sampleError'; error: LabError };

/** IPC channel names: the prefix is checked on both sides. */
export const CHANNEL_PREFIX = 'lab:';
export const EVENT_CHANNEL = 'lab-event';
export function channelOf(method: LabMethod): `lab:${LabMethod}` {
  return `${CHANNEL_PREFIX}${method}`;
}

/** What the preload exposes on `window.doorbell`: the methods plus one event subscription. */
export type DoorbellBridge = LabApi & {
  onEvent(listener: (e: LabEvent) => void): () => void;
};

/** serve-mode wire format. */
export interface WireRequest { id: number; method: string; req: unknown }
export type WireMessage =
  | { kind: 'reply'; id: number; result: Result<unknown> }
  | { kind: 'event'; event: LabEvent };
