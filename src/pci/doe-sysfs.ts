/**
 * `doe_features/` of a PCI function (drivers/pci/doe.c, CONFIG_SYSFS part: `pci_doe_sysfs_group`,
 * `pci_doe_sysfs_feature_populate`, `pci_doe_sysfs_feature_remove`; reference/protocols.md §1.6),
 * built from what the kernel's mailboxes cached when their Discovery ran — never from the device:
 *
 * - The directory is visible only while at least one kernel mailbox of the function has a cached
 *   feature list (`pci_doe_features_sysfs_group_visible`: some `doe_mb->feats` not empty). It
 *   always holds `doe_discovery` (0444, "0001:00\n", the static attribute).
 * - `populate(capOffset, features)` adds one 0444 file `%04x:%02x` per cached feature but
 *   Discovery (0001:00 is the static file), reading its own name and a newline. A name another
 *   mailbox already added is skipped (`sysfs_add_file_to_group` → -EEXIST, ignored): that file
 *   stays the first mailbox's.
 * - `remove(capOffset)` removes the files that mailbox added — only those, so a feature two
 *   mailboxes list disappears with the one that added it.
 *
 * Where the kernel calls them: populate once a mailbox's Discovery finished (mainline: pci_doe_init
 * at enumeration, before device_add; the model: when pci_doe.doe's mailbox or, under
 * pci-core-shared, the PCI core's has cached its features, in virtual time), remove when the
 * mailbox is destroyed (pci_doe_sysfs_teardown at removal; the model also when pci_doe.doe unbinds
 * from the mailbox's auxiliary device — the kernel mailbox goes with it). doe_user's mailbox is
 * the user's, not the PCI core's: it adds nothing here.
 */
import { sideTable } from '../base/index.js';
import { type Attribute, type AttributeGroup, type Device, attrRO } from '../bus/index.js';
import type { PciDevice } from './device.js';
import type { PciDoeProtocol } from './hw.js';

/** Feature file name `vvvv:tt` (lower-case hex, as doe_features shows it). */
export function doeFeatureName(vendor: number, type: number): string {
  return `${vendor.toString(16).padStart(4, '0')}:${type.toString(16).padStart(2, '0')}`;
}

const DISCOVERY = { vendor: 0x0001, type: 0x00 } as const;

/** The static `doe_discovery` attribute (DEVICE_ATTR_RO). */
const doeDiscoveryAttr: Attribute<Device> = attrRO('doe_discovery', () => '0001:00\n');

/** The kernel's cached features per mailbox of one function, and the files each one added. */
export class PciDoeSysfs {
  /** capOffset → the mailbox's cached feature list (xa order), as given to populate. */
  readonly #cached = new Map<number, readonly PciDoeProtocol[]>();
  /** capOffset → the feature files that mailbox added (the ones whose add did not hit EEXIST). */
  readonly #owned = new Map<number, string[]>();
  readonly #group: AttributeGroup<Device>;
  /** One attribute object per feature file while it exists (an open file stays tied to it). */
  readonly #attrsByName = new Map<string, Attribute<Device>>();

  constructor(private readonly pdev: PciDevice) {
    const current = (): readonly Attribute<Device>[] => this.#attrs();
    this.#group = {
      name: 'doe_features',
      get attrs(): readonly Attribute<Device>[] {
        return current();
      },
    };
  }

  /** The features the kernel cached for the mailbox at `capOffset`, if it has. */
  cachedFeatures(capOffset: number): readonly PciDoeProtocol[] | undefined {
    return this.#cached.get(capOffset);
  }

  /** pci_doe_sysfs_feature_populate for the mailbox at `capOffset`. */
  populate(capOffset: number, features: readonly PciDoeProtocol[]): void {
    this.remove(capOffset);
    const present = new Set([...this.#owned.values()].flat());
    const mine: string[] = [];
    for (const f of features) {
      if (f.vendor === DISCOVERY.vendor && f.type === DISCOVERY.type) continue;
      const name = doeFeatureName(f.vendor, f.type);
      if (present.has(name)) continue; // -EEXIST: tolerated, the file is not this mailbox's
      present.add(name);
      mine.push(name);
      this.#attrsByName.set(
        name,
        attrRO(name, () => `${name}\n`),
      );
    }
    this.#cached.set(capOffset, [...features]);
    this.#owned.set(capOffset, mine);
    this.#updateVisibility();
  }

  /** pci_doe_sysfs_feature_remove for the mailbox at `capOffset` (nothing if it populated none). */
  remove(capOffset: number): void {
    if (!this.#cached.delete(capOffset)) return;
    for (const name of this.#owned.get(capOffset) ?? []) this.#attrsByName.delete(name);
    this.#owned.delete(capOffset);
    this.#updateVisibility();
  }

  #attrs(): readonly Attribute<Device>[] {
    return [doeDiscoveryAttr, ...this.#attrsByName.values()];
  }

  /** The group is in the device's groups exactly while some mailbox has a non-empty cache. */
  #updateVisibility(): void {
    const visible = [...this.#cached.values()].some((f) => f.length > 0);
    const at = this.pdev.groups.indexOf(this.#group);
    if (visible && at < 0) this.pdev.groups.push(this.#group);
    if (!visible && at >= 0) this.pdev.groups.splice(at, 1);
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#cached, this.#owned, this.#group, this.#attrsByName];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}

const sysfsOf = sideTable(new WeakMap<PciDevice, PciDoeSysfs>());

/** The function's doe_features state (created on first use). */
export function pciDoeSysfs(pdev: PciDevice): PciDoeSysfs {
  let s = sysfsOf.get(pdev);
  if (!s) sysfsOf.set(pdev, (s = new PciDoeSysfs(pdev)));
  return s;
}
