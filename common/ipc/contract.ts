// SPDX-License-Identifier: MIT
// LabApi: the one contract between the renderer and the lab core. The Electron preload exposes
// exactly these methods as named functions over `lab:<method>` channels; serve mode carries the
// same calls over a loopback WebSocket. Requests are validated against REQUESTS before they reach
// the core; replies and pushed events are typed here and produced only by the trusted core.
import type { LabError, Result } from '../errors.js';
import type {
  AddressSpace, CpuInfo, CountsDelta, DeviceSummary, DeviceVectors, IommuGroup, IommuUnit, KernelOp, LabInfo,
} from '../model/index.js';
import type { CheckReport } from '../checks/types.js';
import type { EditResult, JournalDamage, JournalEntry, RecoveryItem, RestoreOutcome } from '../verdict.js';
import { BRINGUP_STEPS, type BringupChecklist } from '../model/bringup.js';
import { bdf, int, obj, optional, bool, oneOf, str, type Infer, type Check } from './schema.js';
import type { WireEvent } from './wire.js';

/** A CPU list in the kernel's list syntax; parsed against the lab's CPUs by the core. */
const cpuList = () => str({ max: 4096, pattern: /^[0-9][0-9,\- ]*$/, what: 'a CPU list such as 0-3,8' });

/** The largest page picture a report request may carry, as a data: URL (base64 of the PNG). */
export const MAX_PNG_URL = 32 * 1024 * 1024;
/**
 * The largest request message a transport takes: the picture plus its envelope. serve's
 * WebSocket refuses a longer message by closing the connection (1009), so the page checks first.
 */
export const MAX_REQUEST_BYTES = MAX_PNG_URL + 64 * 1024;

export const REQUESTS = {
  getLab: obj({}),
  getCpus: obj({}),
  listIommus: obj({}),
  listGroups: obj({}),
  listDevices: obj({}),
  /**
   * A device's vector table; with `count`, only rows first..first+count-1 (in table order) and the
   * whole table's length: the page asks for a screenful first and the rest once that is painted.
   */
  getVectors: obj({ bdf: bdf(), first: optional(int({ min: 0, max: 4095 })), count: optional(int({ min: 1, max: 4096 })) }),
  listAddressSpaces: obj({ bdf: optional(bdf()) }),
  getKernelLog: obj({ sinceSeq: optional(int({ min: 0 })), bdf: optional(bdf()), limit: optional(int({ min: 1, max: 100000 })) }),
  /** Live updates: how often the core samples counters for this client, and which device is on screen. */
  setLive: obj({ intervalMs: int({ min: 100, max: 60000 }), paused: bool(), watch: optional(bdf()) }),
  /** Move one vector (journaled, verified); the reply is the verdict. */
  setAffinity: obj({ bdf: bdf(), index: int({ min: 0, max: 2047 }), cpus: cpuList() }),
  /** Every vector of a device: spread one CPU each over the set, or pin all to the list. */
  spreadAffinity: obj({ bdf: bdf(), cpus: cpuList(), mode: oneOf(['spread', 'pin'] as const) }),
  /** Undo one change (by id), or the latest of a vector/device/lab. */
  undoAffinity: obj({ changeId: optional(str({ max: 64, pattern: /^[0-9a-f-]+$/ })), bdf: optional(bdf()), index: optional(int({ min: 0, max: 2047 })) }),
  /**
   * Restore every outstanding change where Doorbell's mask is still in force; `ended`: only those
   * of Doorbell processes that are no longer running (the offer at start).
   */
  restoreAll: obj({ ended: optional(bool()) }),
  /** The journal and the outstanding changes (what a restore would do) — shown at start as the restore offer. */
  getJournal: obj({ limit: optional(int({ min: 1, max: 10000 })) }),
  runChecks: obj({}),
  /**
   * The bug-report bundle: text report + snapshot (+ PNG of the window), written under the user's
   * state directory. In serve mode the page sends its own rasterised PNG; in the Electron window
   * the main process captures the window itself and `png` is ignored.
   */
  createReport: obj({
    bdf: optional(bdf()),
    png: optional(str({ max: MAX_PNG_URL, pattern: /^data:image\/png;base64,[A-Za-z0-9+/=]+$/, what: 'a data:image/png;base64 URL' })),
    redact: optional(bool()),
  }),
  /** The guided bring-up checklist of a device: each step's state, evidence, kernel operations and failure. */
  getBringup: obj({ bdf: bdf() }),
  /** Run one bring-up step (and the earlier steps it needs); `rollback` undoes whatever the bring-up holds. */
  runBringupStep: obj({ bdf: bdf(), step: oneOf(BRINGUP_STEPS) }),
  /** Run the checklist up to `upTo` (default: every step, ending with the rollback; a failure rolls back). */
  runBringup: obj({ bdf: bdf(), upTo: optional(oneOf(BRINGUP_STEPS)) }),
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
  getVectors: VectorTable;
  listAddressSpaces: AddressSpace[];
  getKernelLog: KernelOp[];
  setLive: { intervalMs: number; paused: boolean; watch: string | null };
  setAffinity: EditResult;
  spreadAffinity: EditResult[];
  undoAffinity: RestoreOutcome | null;
  restoreAll: RestoreOutcome[];
  /** `damage`: lines of the file that could not be read (null when every line could). */
  getJournal: { file: string; entries: JournalEntry[]; outstanding: RecoveryItem[]; damage: JournalDamage | null };
  runChecks: CheckReport & { notes: string[] };
  createReport: ReportReply;
  getBringup: BringupChecklist;
  runBringupStep: BringupChecklist;
  runBringup: BringupChecklist;
}

/** A device's vector table, whole or a window of its rows. */
export interface VectorTable extends DeviceVectors {
  /** Set when `vectors` holds only rows first..first+vectors.length-1 of a table of `total` rows. */
  window: { first: number; total: number } | null;
}

export interface ReportReply {
  /** Where the bundle was written on the machine running the core. */
  dir: string;
  files: { name: string; path: string; bytes: number }[];
  /** The plain-text report, for display and download in the page. */
  text: string;
  /** The snapshot file, base64, so a browser over an SSH tunnel can download it. */
  snapshotBase64: string;
  snapshotName: string;
  png: { source: 'electron-capture' | 'page-rasteriser'; width: number; height: number } | null;
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
  | { type: 'sampleError'; error: LabError }
  | { type: 'progress'; op: string; step: string; done: number; total: number };

/** IPC channel names: the prefix is checked on both sides. */
export const CHANNEL_PREFIX = 'lab:';
export const EVENT_CHANNEL = 'lab-event';
export function channelOf(method: LabMethod): `lab:${LabMethod}` {
  return `${CHANNEL_PREFIX}${method}`;
}

/** What the preload exposes on `window.doorbell`: the methods plus one event subscription. */
export type DoorbellBridge = LabApi & {
  /** Events as the main process sends them (a tick's counts in their wire form; renderer/src/api decodes). */
  onEvent(listener: (e: WireEvent) => void): () => void;
};

/** serve-mode wire format. */
export interface WireRequest { id: number; method: string; req: unknown }
export type WireMessage =
  | { kind: 'reply'; id: number; result: Result<unknown> }
  | { kind: 'event'; event: WireEvent };
