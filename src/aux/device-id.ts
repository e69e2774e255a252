/**
 * struct auxiliary_device_id (mod_devicetable.h) and auxiliary_match_id (auxiliary.c): a device
 * matches an id when its name up to the last '.' equals the id's name exactly; the module alias
 * is `auxiliary:<name>` (file2alias do_auxiliary_entry). `overrideOnly` is this project's: such
 * an id counts only when the device's driver_override names the driver, and has no alias.
 */

/** AUXILIARY_NAME_SIZE after the raise to 40 (mod_devicetable.h): the longest id name + NUL. */
export const AUXILIARY_NAME_SIZE = 40;
/** AUXILIARY_MODULE_PREFIX. */
export const AUXILIARY_MODULE_PREFIX = 'auxiliary:';

export interface AuxiliaryDeviceId {
  /** `<modname>.<devname>` of the devices served, e.g. `cxl_pci.doe`. */
  readonly name: string;
  readonly driverData?: number;
  /** Matches only through driver_override (DESIGN.md Departures 2 and 3); produces no alias. */
  readonly overrideOnly?: boolean;
}

/** The match name of a device: its name up to (not including) the last '.', or undefined without a dot. */
export function auxiliaryMatchName(deviceName: string): string | undefined {
  const dot = deviceName.lastIndexOf('.');
  return dot < 0 ? undefined : deviceName.slice(0, dot);
}

/**
 * auxiliary_match_id: the first id whose name equals the device's match name. Override-only ids
 * count only when `hasOverride` (the device's driver_override names this driver).
 */
export function auxiliaryMatchId(ids: readonly AuxiliaryDeviceId[], deviceName: string, hasOverride = false): AuxiliaryDeviceId | undefined {
  const matchName = auxiliaryMatchName(deviceName);
  if (matchName === undefined) return undefined;
  return ids.find((id) => id.name === matchName && (!id.overrideOnly || hasOverride));
}

/** The modules.alias pattern of one id, or undefined for override-only ids. */
export function auxiliaryIdAlias(id: AuxiliaryDeviceId): string | undefined {
  return id.overrideOnly ? undefined : `${AUXILIARY_MODULE_PREFIX}${id.name}`;
}

/** MODULE_DEVICE_TABLE(auxiliary, ids). */
export function auxiliaryModuleAliases(ids: readonly AuxiliaryDeviceId[]): string[] {
  return ids.map(auxiliaryIdAlias).filter((a): a is string => a !== undefined);
}
